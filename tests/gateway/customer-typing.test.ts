import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { Conversation } from '../../src/store/entities/index.ts';
import { nextEvent, TestServer, type Session } from '../helpers/test-server.ts';
import { openWidget, widgetInbox } from '../helpers/widget-visitor.ts';

/** A customer typing in the web-chat widget, as the operators' sockets see it. */
describe('customer typing on the operator socket', () => {
  let server: TestServer;
  let url: string;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start();
    url = await server.listen();
    admin = await server.login();
  });
  afterAll(() => server.close());

  /** Resolves true if `event` arrives within `ms`. */
  const arrives = (socket: Socket, event: string, ms = 700) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => (socket.off(event, seen), resolve(false)), ms);
      const seen = () => (clearTimeout(timer), socket.off(event, seen), resolve(true));
      socket.on(event, seen);
    });

  it('shows the visitor typing, and stopping, to operators who may see the widget inbox, and to no one else', async () => {
    const member = await server.operator('operator');
    const outsider = await server.operator('operator');
    const inbox = await widgetInbox(server);
    await server.app.inject({ method: 'PATCH', url: `/api/v1/inboxes/${inbox.id}`, headers: admin.headers, payload: { memberIds: [member.operatorId] } });
    const [memberSocket, outsiderSocket, adminSocket] = await Promise.all([server.socket(member), server.socket(outsider), server.socket(admin)]);

    const visitor = await openWidget(url, { inboxId: inbox.id });
    await visitor.say('hello');
    const conversation = await server.runtime.orm.em.fork().findOneOrFail(Conversation, { inbox: inbox.id });

    const seenByMember = nextEvent(memberSocket, 'typing', (e) => e.conversationId === conversation.id);
    const seenByAdmin = nextEvent(adminSocket, 'typing', (e) => e.conversationId === conversation.id);
    const leaked = arrives(outsiderSocket, 'typing');
    visitor.socket.emit('typing', { typing: true });
    expect(await seenByMember).toEqual({ conversationId: conversation.id, contactId: conversation.contact.id, typing: true });
    expect(await seenByAdmin).toMatchObject({ conversationId: conversation.id, typing: true });
    expect(await leaked).toBe(false);

    // Stopping is relayed at once (not held back by the once-per-2-seconds limit on typing).
    const stopped = nextEvent(memberSocket, 'typing', (e) => e.conversationId === conversation.id && e.typing === false);
    visitor.socket.emit('typing', { typing: false });
    expect(await stopped).toMatchObject({ typing: false });
    visitor.socket.disconnect();
  });

  it('relays one signal per couple of seconds however fast the visitor types', async () => {
    const inbox = await widgetInbox(server);
    const adminSocket = await server.socket(admin);
    const visitor = await openWidget(url, { inboxId: inbox.id });
    await visitor.say('hi');
    let count = 0;
    adminSocket.on('typing', () => count++);
    for (let i = 0; i < 10; i++) visitor.socket.emit('typing', { typing: true });
    await new Promise((r) => setTimeout(r, 600));
    expect(count).toBe(1);
    visitor.socket.disconnect();
  });
});
