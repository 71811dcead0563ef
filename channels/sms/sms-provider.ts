import type { ChannelAddress, ConnectionCheck, InboundSink, OutboundMessage, WebhookRequest, WebhookResponse } from '../channel-adapter.ts';

/** One way of carrying SMS (an SMPP bind, a Twilio-compatible HTTP API): the SMS adapter delegates to it. */
export interface SmsProvider {
  /** True when receiving holds a connection (SMPP): then only one process receives. */
  readonly singleReceiver: boolean;
  start(sink: InboundSink, signal: AbortSignal): Promise<void>;
  /** Sends a plain text; returns the provider's id for it (the first part's, for a long SMS). */
  send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }>;
  stop(): Promise<void>;
  webhook?(request: WebhookRequest): Promise<WebhookResponse>;
  testConnection(): Promise<ConnectionCheck[]>;
}
