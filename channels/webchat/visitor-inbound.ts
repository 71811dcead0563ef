import type { InboundAttachment, NormalizedInbound } from '../channel-adapter.ts';

/** Who is writing, as the widget gateway established it at the handshake. */
export interface Visitor {
  inboxId: number;
  visitorId: string;
  /** The site vouched for this visitor (identifierHash matched). */
  verified: boolean;
  name?: string;
  /** Only set when it may join a client card: verified, or given on an inbox that does not enforce verification. */
  email?: string;
}

/**
 * A visitor's message in the channel port's normalised shape. The client picks `clientId` (a UUID) so a
 * message re-sent after a lost acknowledgement is stored once: it is the dedup key.
 */
export function toVisitorInbound(visitor: Visitor, input: { clientId: string; text?: string; attachments: InboundAttachment[] }, meta?: Record<string, unknown>): NormalizedInbound {
  return {
    inboxId: visitor.inboxId,
    externalMessageId: `v:${visitor.visitorId}:${input.clientId}`,
    externalThreadId: visitor.visitorId,
    sender: { externalUserId: visitor.visitorId, name: visitor.name, email: visitor.email },
    text: input.text,
    attachments: input.attachments,
    meta: { webchat: { verified: visitor.verified, ...meta } },
    sentAt: new Date(),
  };
}
