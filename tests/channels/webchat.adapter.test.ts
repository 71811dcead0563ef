import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAddress } from '../../channels/channel-adapter.ts';
import { ChannelError } from '../../channels/channel-error.ts';
import type { VisitorLink } from '../../channels/webchat/visitor-link.ts';
import { WebchatAdapter } from '../../channels/webchat/webchat.adapter.ts';
import { VisitorRelay } from '../../src/gateway/visitor-relay.ts';
import { inboxConfig } from '../../src/inbox/inboxes.service.ts';
import { Inbox } from '../../src/store/entities/index.ts';
import { TestServer } from '../helpers/test-server.ts';
import { openWidget, widgetInbox } from '../helpers/widget-visitor.ts';
import { channelConformance } from './conformance.ts';

/**
 * The peer is a real widget visitor: a socket.io client on the server's `/widget` namespace. The channel has no
 * peer that refuses a message (a visitor who is away sees it in the history), so failures come from our side:
 * a process with no socket server yet (temporary) and an address that is no widget visitor (permanent).
 */
let server: TestServer;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = await TestServer.start({ workers: false });
  await server.listen();
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server?.close();
});

async function visitorAndAdapter(link?: (relay: VisitorLink) => VisitorLink) {
  const { id } = await widgetInbox(server);
  const inbox = inboxConfig(await server.runtime.orm.em.fork().findOneOrFail(Inbox, id));
  const visitor = await openWidget(server.url, { inboxId: id });
  sockets.push(visitor.socket);
  const received: { text: string | null; attachments: { name: string; url: string }[] }[] = [];
  visitor.socket.on('message', (m) => received.push(m));
  const relay = server.services.visitors;
  const adapter = new WebchatAdapter(inbox, { visitors: link ? link(relay) : relay, attachments: server.services.attachments, publicUrl: server.config.PUBLIC_URL });
  const address: ChannelAddress = { inboxId: id, externalThreadId: visitor.session.visitorId, externalUserId: visitor.session.visitorId };
  return { adapter, address, visitor, received, inbox };
}

channelConformance('the web-chat widget channel', async () => {
  let failNext = false;
  const unbound = new VisitorRelay(); // What a process without a socket server has.
  const { adapter, address, visitor, received } = await visitorAndAdapter((relay) => ({
    deliver: (to, message) => (failNext ? ((failNext = false), unbound.deliver(to, message)) : relay.deliver(to, message)),
    typing: (to) => relay.typing(to),
  }));
  const harness = {
    adapter,
    address,
    customerWrites: null,
    peerFailsNextSend(kind: 'temporary' | 'permanent') {
      if (kind === 'temporary') failNext = true;
      else harness.address = { ...address, externalUserId: 'not a visitor id' };
    },
    async received() {
      // Pushes travel through Redis: wait until the ones sent have arrived.
      const deadline = Date.now() + 5000;
      let count = -1;
      while (received.length !== count && Date.now() < deadline) {
        count = received.length;
        await new Promise((r) => setTimeout(r, 150));
      }
      return received.map((m) => m.text ?? '');
    },
    close: async () => void visitor.socket.disconnect(),
  };
  return harness;
});

describe('web-chat adapter', () => {
  it('sends files as links the visitor can open without an operator session', async () => {
    const { adapter, address, received } = await visitorAndAdapter();
    const file = await server.services.attachments.save(Buffer.from('invoice'), { name: 'invoice.pdf', contentType: 'application/pdf' });
    await adapter.send(address, { id: 1, conversationId: 1, text: 'your invoice', attachments: [{ key: file.key }] });
    await expect.poll(() => received.length).toBe(1);
    const url = new URL(received[0]!.attachments[0]!.url);
    expect(received[0]!.attachments[0]).toMatchObject({ name: 'invoice.pdf' });
    const download = await fetch(`${server.url}${url.pathname}${url.search}`);
    expect(await download.text()).toBe('invoice');
  });

  it('shows the operator typing in the visitor\'s widget', async () => {
    const { adapter, address, visitor } = await visitorAndAdapter();
    const typing = new Promise((resolve) => visitor.socket.once('typing', resolve));
    await adapter.typing(address);
    expect(await typing).toEqual({ typing: true });
  });

  it('refuses a file that is not in the attachment store, for good', async () => {
    const { adapter, address } = await visitorAndAdapter();
    const error = await adapter.send(address, { id: 2, conversationId: 1, text: 'x', attachments: [{ key: '202601/00000000-0000-0000-0000-000000000000' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelError).code).toBe('REJECTED');
  });
});
