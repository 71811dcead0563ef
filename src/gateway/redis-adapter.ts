import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';

/**
 * The Socket.io adapter every process uses (servers, and workers that only relay events).
 * Every key and channel carries the install's prefix: the adapter counts cluster nodes by channel
 * subscribers, so installs sharing one Redis would otherwise wait on each other's nodes.
 */
export const socketAdapter = (redis: Redis, prefix: string) =>
  createAdapter(redis, { streamName: `${prefix}:socket.io`, channelPrefix: `${prefix}:socket.io`, sessionKeyPrefix: `${prefix}:sio:session:` });
