import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelAddress, InboundEdit, InboundSink, NormalizedInbound, OutboundMessage, StatusEvent } from '../../channels/channel-adapter.ts';
import { ChannelError } from '../../channels/channel-error.ts';

/** What one adapter's test file provides so the shared suite can drive it against its real peer. */
export interface ConformanceHarness {
  adapter: ChannelAdapter;
  /** An address on the peer that accepts messages. */
  address: ChannelAddress;
  /** Makes the peer deliver one customer message to the adapter; null for channels whose inbound arrives over our HTTP API. */
  customerWrites: ((text: string) => Promise<void>) | null;
  /** Makes the peer refuse the next send, temporarily (5xx, 429, timeout) or for good (unknown recipient). */
  peerFailsNextSend(kind: 'temporary' | 'permanent'): Promise<void> | void;
  /** What the peer received, in order (texts). */
  received(): Promise<string[]>;
  close(): Promise<void>;
}

const outbound = (id: number, text: string): OutboundMessage => ({ id, conversationId: 1, text, attachments: [] });

/** A sink that records what the adapter hands to the inbox. */
function recordingSink() {
  const messages: NormalizedInbound[] = [];
  const statuses: StatusEvent[] = [];
  const edits: InboundEdit[] = [];
  const sink: InboundSink = {
    message: async (m) => void messages.push(m),
    status: async (s) => void statuses.push(s),
    edit: async (e) => void edits.push(e),
  };
  return { sink, messages, statuses, edits };
}

async function waitFor<T>(read: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing arrived within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The channel port's contract, run by every adapter (DESIGN.md): it declares what it can do, hands
 * inbound traffic to the sink in the normalised shape, sends and returns distinct external ids, turns
 * peer failures into ChannelError with a code the send worker understands, and stops cleanly.
 */
export function channelConformance(name: string, setup: () => Promise<ConformanceHarness>): void {
  describe(`${name} conforms to the channel port`, () => {
    let harness: ConformanceHarness;
    let abort: AbortController;
    let recorded: ReturnType<typeof recordingSink>;

    beforeEach(async () => {
      harness = await setup();
      abort = new AbortController();
      recorded = recordingSink();
      await harness.adapter.start(recorded.sink, abort.signal);
    });
    afterEach(async () => {
      abort.abort();
      await harness.adapter.stop();
      await harness.close();
    });

    it('declares its kind and every capability', () => {
      expect(harness.adapter.kind).toMatch(/^[a-z-]+$/);
      for (const key of ['html', 'attachments', 'typing', 'receipts'] as const) expect(typeof harness.adapter.capabilities[key]).toBe('boolean');
    });

    it('sends a message the peer receives and returns a distinct external id for each', async () => {
      const first = await harness.adapter.send(harness.address, outbound(1, 'first reply'));
      const second = await harness.adapter.send(harness.address, outbound(2, 'second reply'));
      expect(first.externalId).toEqual(expect.any(String));
      expect(first.externalId).not.toBe('');
      expect(second.externalId).not.toBe(first.externalId);
      expect(await harness.received()).toEqual(['first reply', 'second reply']);
    });

    it('reports a temporary peer failure as a retryable ChannelError', async () => {
      await harness.peerFailsNextSend('temporary');
      const error = await harness.adapter.send(harness.address, outbound(3, 'x')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).retryable).toBe(true);
    });

    it('reports a permanent peer failure as a ChannelError that is not retried', async () => {
      await harness.peerFailsNextSend('permanent');
      const error = await harness.adapter.send(harness.address, outbound(4, 'x')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).retryable).toBe(false);
      expect((error as ChannelError).message).not.toBe('');
    });

    it('hands a customer message to the sink in the normalised shape', async (context) => {
      if (!harness.customerWrites) return context.skip();
      await harness.customerWrites('hello from the customer');
      const message = await waitFor(() => recorded.messages[0]);
      expect(message).toMatchObject({ text: 'hello from the customer', attachments: expect.any(Array) });
      expect(message.inboxId).toEqual(expect.any(Number));
      expect(message.externalMessageId).toEqual(expect.any(String));
      expect(message.sender.externalUserId).toEqual(expect.any(String));
      expect(message.sentAt).toBeInstanceOf(Date);
    });

    it('can be stopped twice without error', async () => {
      await harness.adapter.stop();
      await expect(harness.adapter.stop()).resolves.toBeUndefined();
    });
  });
}
