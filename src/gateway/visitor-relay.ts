import type { Server } from 'socket.io';
import { ChannelError } from '../../channels/channel-error.ts';
import type { VisitorAddress, VisitorLink, VisitorMessage } from '../../channels/webchat/visitor-link.ts';
import { visitorRoom, WIDGET_NAMESPACE } from './rooms.ts';

/**
 * The web-chat adapter's way to visitors: emits to the visitor's room of the `/widget` namespace. Services are
 * built before the Socket.io server exists, so each process binds it once it has one (the HTTP server in app.ts,
 * a worker its relay-only server); the Redis streams adapter carries the emit to the node holding the socket.
 */
export class VisitorRelay implements VisitorLink {
  #io?: Server;

  bind(io: Server): void {
    this.#io = io;
  }

  async deliver(to: VisitorAddress, message: VisitorMessage): Promise<void> {
    this.#widget().to(visitorRoom(to.inboxId, to.visitorId)).emit('message', message);
  }

  async typing(to: VisitorAddress): Promise<void> {
    this.#widget().to(visitorRoom(to.inboxId, to.visitorId)).emit('typing', { typing: true });
  }

  #widget() {
    // Retried by the send worker: the process is starting or stopping.
    if (!this.#io) throw new ChannelError('TEMPORARY', 'This process has no socket server to reach widget visitors yet');
    return this.#io.of(WIDGET_NAMESPACE);
  }
}
