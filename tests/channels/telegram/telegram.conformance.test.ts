import { afterAll, beforeAll } from 'vitest';
import { TelegramAdapter } from '../../../channels/telegram/telegram.adapter.ts';
import { testAdapterContext } from '../../helpers/channel-context.ts';
import { TelegramPeer } from '../../helpers/telegram-peer.ts';
import { channelConformance } from '../conformance.ts';

let peer: TelegramPeer;
beforeAll(async () => {
  peer = await TelegramPeer.start();
});
afterAll(async () => {
  await peer?.close();
});

channelConformance('the Telegram channel (grammY + telegram-test-api, long polling)', async () => {
  const token = peer.newBot();
  const user = peer.user(token, { userId: 501, chatId: 501 });
  const inbox = { id: 11, kind: 'telegram' as const, name: 'Bot', secret: 'inbox-secret', settings: { mode: 'polling' }, credentials: { botToken: token }, updatedAt: new Date() };
  const adapter = new TelegramAdapter(inbox, testAdapterContext({ telegram: { apiRoot: peer.apiRoot, pollTimeoutSeconds: 1 } }));
  return {
    adapter,
    address: { inboxId: 11, externalThreadId: '501', externalUserId: '501' },
    customerWrites: async (text) => void (await user.sendMessage(user.makeMessage(text))),
    peerFailsNextSend: (kind) => peer.failNext('sendMessage', kind === 'temporary' ? 'server-error' : 'chat-not-found'),
    received: async () => peer.sentTo(token, 501).map((s) => s.text ?? ''),
    close: async () => {},
  };
});
