import type { Server } from 'socket.io';
import type { ChannelStates } from '../inbox/channel-states.ts';
import type { InboxEvents } from '../inbox/events.ts';
import { ADMINS_ROOM, audienceOf, OPERATOR_NAMESPACE } from './rooms.ts';

/**
 * Pushes every committed inbox event to the operators who may see its inbox. Through the Redis
 * streams adapter this reaches sockets on every server process, including events raised in a
 * worker process (which runs a Socket.io server with no HTTP listener just for this).
 */
export function fanOut(io: Server, events: InboxEvents, onEvent?: (type: string) => void): () => void {
  const operators = io.of(OPERATOR_NAMESPACE);
  return events.subscribe((event) => {
    operators.to(audienceOf(event.inboxId)).emit(event.type, { id: event.id, inboxId: event.inboxId, createdAt: event.createdAt, ...event.payload });
    onEvent?.(event.type);
  });
}

/**
 * Pushes each inbox's connection state (reported by the process receiving for it) to admins as `inbox.state`,
 * on every server through the Redis streams adapter. Not in the event log: `GET /inboxes` has the latest.
 */
export function pushChannelStates(io: Server, states: ChannelStates): () => void {
  return states.subscribe((state) => io.of(OPERATOR_NAMESPACE).to(ADMINS_ROOM).emit('inbox.state', state));
}
