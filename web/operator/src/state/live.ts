import { signal } from '@preact/signals';
import { io, type Socket } from 'socket.io-client';
import type { ChannelState, ContactSummary, Conversation, Message } from '../types.ts';
import { applyChannelState, rememberContacts } from './directory.ts';
import { markRead, selectedId, setTyping, upsertConversation, upsertMessage } from './conversations.ts';
import { me } from './session.ts';

/** The operator socket: live events, and after every reconnect a `sync` for what was missed while away. */
export const connection = signal<'connecting' | 'live' | 'offline'>('connecting');
/** Listeners outside the inbox (the client card) hear about contact changes here. */
export const contactChanged = signal<{ id: number; at: number } | null>(null);

interface InboxEvent {
  id: number;
  type?: string;
  inboxId: number;
  conversation?: Conversation;
  contact?: ContactSummary & Record<string, unknown>;
  message?: Message;
  mergedContactId?: number;
}

let socket: Socket | null = null;
let lastEventId = 0;
/** Ids already applied (a live push and a sync page may carry the same event). Bounded. */
const seen = new Set<number>();

function apply(type: string, event: InboxEvent): void {
  if (event.id) {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    if (seen.size > 5000) seen.delete(seen.values().next().value!);
    lastEventId = Math.max(lastEventId, event.id);
  }
  switch (type) {
    case 'conversation.created':
    case 'conversation.updated': {
      if (!event.conversation) return;
      const contact = event.contact?.name !== undefined && event.contact.name !== null ? { id: event.contact.id, name: event.contact.name } : undefined;
      if (contact) rememberContacts([contact]);
      upsertConversation({ ...event.conversation, contact });
      // Reading the open conversation: what just arrived is read already.
      if (event.conversation.id === selectedId.value && event.conversation.unreadCount > 0 && document.visibilityState === 'visible') void markRead(event.conversation.id);
      if (event.mergedContactId) contactChanged.value = { id: event.conversation.contactId, at: Date.now() };
      return;
    }
    case 'message.created':
    case 'message.updated':
      if (event.message) upsertMessage(event.message);
      return;
    case 'contact.updated':
      if (event.contact) {
        rememberContacts([{ id: event.contact.id, name: event.contact.name ?? null }]);
        contactChanged.value = { id: event.contact.id, at: Date.now() };
      }
      return;
  }
}

async function catchUp(s: Socket): Promise<void> {
  for (let page = 0; page < 100; page++) {
    const answer = (await s.timeout(10_000).emitWithAck('sync', { since: lastEventId })) as { events?: InboxEvent[]; hasMore?: boolean; error?: unknown };
    if (!answer.events) return;
    for (const event of answer.events) apply(event.type!, event);
    if (!answer.hasMore) return;
  }
}

export function connect(onResync: () => void): void {
  if (socket) return;
  const s = io('/operators', { withCredentials: true, transports: ['websocket', 'polling'], reconnectionDelayMax: 10_000 });
  socket = s;
  let everConnected = false;
  s.on('connect', () => {
    connection.value = 'live';
    if (!everConnected) {
      everConnected = true;
      // The first connection: the lists are loaded over REST; from here on, events keep them current.
      return;
    }
    // A reconnect: ask for what happened meanwhile. If the log cannot answer, load the lists again.
    // Before any event there is no id to ask from: reload the lists instead.
    if (lastEventId === 0) onResync();
    else catchUp(s).catch(onResync);
  });
  s.on('disconnect', () => (connection.value = 'offline'));
  s.on('connect_error', (error) => {
    connection.value = 'offline';
    // The session ended: no point retrying; the app shows the login screen.
    if (error.message === 'UNAUTHENTICATED') {
      s.disconnect();
      me.value = null;
    }
  });
  for (const type of ['conversation.created', 'conversation.updated', 'message.created', 'message.updated', 'contact.updated']) {
    s.on(type, (event: InboxEvent) => apply(type, event));
  }
  s.on('inbox.state', (state: ChannelState) => applyChannelState(state));
  s.on('typing', (event: { conversationId: number; operatorId?: number; typing?: boolean }) => {
    if (event.conversationId !== selectedId.value) return;
    setTyping(event.operatorId ?? 0, event.typing !== false);
  });
}

export function disconnect(): void {
  socket?.disconnect();
  socket = null;
  lastEventId = 0;
  seen.clear();
  connection.value = 'connecting';
}

export function sendTyping(conversationId: number, on: boolean): void {
  socket?.emit('typing', { conversationId, typing: on });
}

/** For tests and debugging: drop the connection as a network would (the client reconnects by itself). */
(window as unknown as { __crmSocket?: () => Socket | null }).__crmSocket = () => socket;
