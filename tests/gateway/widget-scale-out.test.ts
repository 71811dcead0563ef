import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, TestServer, type Session } from '../helpers/test-server.ts';
import { openWidget, widgetInbox } from '../helpers/widget-visitor.ts';

/**
 * Two server nodes of one deployment (one database, one Redis prefix). The visitor's socket is on node A;
 * operators and the send worker are on node B. Everything must still arrive at once, through the Redis
 * streams adapter.
 */
describe('widget across server nodes', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: Session;
  const opened: Socket[] = [];

  beforeAll(async () => {
    a = await TestServer.start({ workers: false });
    b = await TestServer.start({ shareWith: a });
    await a.listen();
    await b.listen();
    admin = await b.login();
  });
  afterAll(async () => {
    for (const socket of opened) socket.disconnect();
    await b?.close();
    await a?.close();
  });

  it('a visitor on one node and an operator on another see each other\'s messages and presence at once', async () => {
    const inbox = await widgetInbox(a);
    const operator = await b.socket(admin);
    opened.push(operator);
    const visitor = await openWidget(a.url, { inboxId: inbox.id });
    opened.push(visitor.socket);
    expect(visitor.session.operatorsOnline).toBe(true);

    const seen = nextEvent(operator, 'message.created', (e) => e.inboxId === inbox.id);
    await visitor.say('hello from node A');
    const { message } = await seen;
    expect(message.text).toBe('hello from node A');

    // Replied on node B, sent by node B's worker, pushed to the visitor's socket on node A.
    const shown = nextEvent(visitor.socket, 'message');
    const reply = await b.app.inject({ method: 'POST', url: `/api/v1/conversations/${message.conversationId}/messages`, headers: admin.headers, payload: { text: 'hello from node B' } });
    expect(reply.statusCode).toBe(201);
    expect(await shown).toMatchObject({ id: reply.json().id, text: 'hello from node B', direction: 'out' });

    const typing = nextEvent(operator, 'typing', (e) => e.conversationId === message.conversationId);
    visitor.socket.emit('typing', { typing: true });
    await typing;

    const offline = nextEvent(visitor.socket, 'presence', (p) => p.operatorsOnline === false);
    operator.disconnect();
    await offline;
  });
});
