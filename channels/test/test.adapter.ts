import type { ChannelAdapter, ChannelAddress, ChannelCapabilities, InboundSink, InboxConfig, NormalizedInbound, OutboundMessage, RateLimit } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';

export interface SentRecord {
  to: ChannelAddress;
  message: OutboundMessage;
  externalId: string;
}

/**
 * A channel that lives in memory: tests (and a developer trying the API) can make a customer
 * write, see what was sent, and script failures. It is a real adapter behind the port.
 */
export class TestAdapter implements ChannelAdapter {
  readonly kind = 'test' as const;
  readonly capabilities: ChannelCapabilities;
  /** Tests make a test inbox behave like a connection-holding channel (receiving in one process) with `settings.singleReceiver`. */
  readonly singleReceiver: boolean;
  readonly sent: SentRecord[] = [];
  /** Every "operator is typing" signal shown to a customer. */
  readonly typings: ChannelAddress[] = [];
  readonly #failures: ChannelError[] = [];
  #sink?: InboundSink;
  #sequence = 0;
  readonly inbox: InboxConfig;

  constructor(inbox: InboxConfig) {
    this.inbox = inbox;
    // Tests give a test inbox send limits through its settings, as a real channel declares its provider's.
    const rateLimits = inbox.settings.rateLimits as { perThread?: RateLimit; perAccount?: RateLimit } | undefined;
    this.capabilities = { html: false, attachments: true, typing: true, receipts: true, rateLimits };
    this.singleReceiver = inbox.settings.singleReceiver === true;
  }

  /** Whether the channel manager has started this adapter receiving (and not stopped it). */
  get receiving(): boolean {
    return this.#sink !== undefined;
  }

  async start(sink: InboundSink): Promise<void> {
    this.#sink = sink;
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    const failure = this.#failures.shift();
    if (failure) throw failure;
    const externalId = `test-out-${this.inbox.id}-${++this.#sequence}`;
    this.sent.push({ to, message, externalId });
    return { externalId };
  }

  async typing(to: ChannelAddress): Promise<void> {
    this.typings.push(to);
  }

  async stop(): Promise<void> {
    this.#sink = undefined;
  }

  /** The next sends fail with these errors, in order. */
  failNext(...errors: ChannelError[]): void {
    this.#failures.push(...errors);
  }

  /** A customer writes. */
  async receive(inbound: Omit<NormalizedInbound, 'inboxId' | 'attachments' | 'sentAt'> & Partial<NormalizedInbound>): Promise<unknown> {
    if (!this.#sink) throw new Error('test channel is not started');
    return this.#sink.message({ attachments: [], sentAt: new Date(), ...inbound, inboxId: this.inbox.id });
  }

  /** The channel reports a delivery status for a message we sent. */
  async report(externalMessageId: string, status: 'delivered' | 'read' | 'failed', reason?: string): Promise<unknown> {
    if (!this.#sink) throw new Error('test channel is not started');
    return this.#sink.status({ inboxId: this.inbox.id, externalMessageId, status, reason, at: new Date() });
  }
}
