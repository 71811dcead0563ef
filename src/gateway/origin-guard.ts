import type { Socket } from 'socket.io';

/**
 * Refuses a socket whose page is on a foreign origin (cross-site WebSocket hijacking with an operator's
 * cookie). Checked per namespace rather than for the whole server, because widget visitors connect from
 * the sites that embed the widget. Browsers always send Origin; non-browser clients send none.
 */
export const sameSiteOnly = (origins: Set<string>) => (socket: Socket, next: (error?: Error) => void) => {
  const origin = socket.handshake.headers.origin;
  next(!origin || origins.has(origin) ? undefined : new Error('FORBIDDEN_ORIGIN'));
};
