import { ChannelError } from '../../channels/channel-error.ts';
import { TestAdapter } from '../../channels/test/test.adapter.ts';
import { channelConformance } from './conformance.ts';

channelConformance('the test channel', async () => {
  const adapter = new TestAdapter({ id: 1, kind: 'test', name: 'test', settings: {}, secret: 's', credentials: {}, updatedAt: new Date() });
  return {
    adapter,
    address: { inboxId: 1, externalThreadId: 't-1', externalUserId: 'u-1' },
    customerWrites: async (text) => void (await adapter.receive({ externalMessageId: `in-${Date.now()}`, sender: { externalUserId: 'u-1' }, text })),
    peerFailsNextSend: (kind) => adapter.failNext(new ChannelError(kind === 'temporary' ? 'TEMPORARY' : 'INVALID_RECIPIENT', `${kind} failure`)),
    received: async () => adapter.sent.map((s) => s.message.text ?? ''),
    close: async () => {},
  };
});
