import { Server } from 'socket.io';
import { boot, onShutdown } from '../src/bootstrap.ts';
import { loadConfig } from '../src/config.ts';
import { fanOut } from '../src/gateway/fan-out.ts';
import { campaignFanOut } from '../src/gateway/marketer.gateway.ts';
import { closeSocketAdapters, socketAdapter } from '../src/gateway/redis-adapter.ts';
import { startWorkers } from './start-workers.ts';

// A worker process: sends replies and runs maintenance. Its events reach operators through a
// Socket.io server with no HTTP listener, whose Redis streams adapter relays them to every server process.
const log = (line: string) => console.log(`[crm-worker] ${line}`);
const config = loadConfig();
const runtime = await boot(config, log).catch((error: Error) => {
  console.error(`[crm-worker] cannot start: ${error.message}`);
  process.exit(1);
});
const relayRedis = runtime.redis.duplicate();
const io = new Server({ adapter: socketAdapter(relayRedis, config.REDIS_PREFIX) });
// Replies to widget visitors are sent here too: they leave through this server's adapter.
runtime.services.visitors.bind(io);
const stopFanOut = fanOut(io, runtime.services.events);
const stopCampaignFanOut = campaignFanOut(io, runtime.services.campaignEvents);
const workers = await startWorkers(runtime.services, runtime.redis, log);
log(`working (concurrency ${config.WORKER_CONCURRENCY})`);

onShutdown(async () => {
  await workers.close(config.SHUTDOWN_TIMEOUT_MS);
  stopFanOut();
  stopCampaignFanOut();
  await closeSocketAdapters(io);
  relayRedis.disconnect();
  await runtime.close();
}, log);
