import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import { OPERATOR_NAMESPACE, WIDGET_NAMESPACE } from './rooms.ts';

/**
 * The Socket.io adapter every process uses (servers, and workers that only relay events).
 * Every key and channel carries the install's prefix: the adapter counts cluster nodes by channel
 * subscribers, so installs sharing one Redis would otherwise wait on each other's nodes.
 */
export const socketAdapter = (redis: Redis, prefix: string) =>
  createAdapter(redis, { streamName: `${prefix}:socket.io`, channelPrefix: `${prefix}:socket.io`, sessionKeyPrefix: `${prefix}:sio:session:` });

/**
 * Closes every namespace's adapter, which tells the other nodes this one is leaving (ADAPTER_CLOSE):
 * without it they count it until its heartbeat times out, and their fetchSockets() waits for it meanwhile.
 */
export async function closeSocketAdapters(io: Server, timeoutMs = 1000): Promise<void> {
  const closing = Promise.all(['/', OPERATOR_NAMESPACE, WIDGET_NAMESPACE].map((name) => Promise.resolve(io.of(name).adapter.close()).catch(() => {})));
  // With Redis gone the goodbye would wait forever (commands queue until it is back): never hold up a shutdown for it.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closing, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
