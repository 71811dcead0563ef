import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { TestServer } from './test-server.ts';

/** What the server tells a widget when it connects. */
export interface WidgetSession {
  token: string;
  visitorId: string;
  verification: 'none' | 'verified' | 'unverified' | 'rejected';
  settings: Record<string, unknown>;
  preChatNeeded: boolean;
  operatorsOnline: boolean;
  messages: { id: number; direction: 'in' | 'out'; text: string | null; attachments: { name: string; url: string }[] }[];
}

export interface Visitor {
  socket: Socket;
  session: WidgetSession;
  /** Sends a message as the widget does; answers `{ message }` or `{ error }`. */
  say(text: string, extra?: Record<string, unknown>): Promise<any>;
}

/** Creates a web-chat inbox (as admin) with these settings. */
export async function widgetInbox(server: TestServer, settings: Record<string, unknown> = {}): Promise<{ id: number; secret: string }> {
  const admin = await server.login();
  const response = await server.app.inject({ method: 'POST', url: '/api/v1/inboxes', headers: admin.headers, payload: { kind: 'webchat', name: 'Website', settings } });
  if (response.statusCode !== 201) throw new Error(`creating widget inbox failed: ${response.body}`);
  return response.json();
}

/** Opens the widget's socket as a browser on `origin` would; rejects with the refusal code. */
export async function openWidget(url: string, auth: Record<string, unknown>, options: { origin?: string; ip?: string } = {}): Promise<Visitor> {
  const headers: Record<string, string> = {};
  if (options.origin) headers.origin = options.origin;
  if (options.ip) headers['x-forwarded-for'] = options.ip;
  const socket = connect(`${url}/widget`, { auth, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
  const session = await new Promise<WidgetSession>((resolve, reject) => {
    socket.once('session', resolve);
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return {
    socket,
    session,
    say: (text, extra = {}) => socket.timeout(5000).emitWithAck('message', { clientId: randomUUID(), text, ...extra }),
  };
}
