import { startWorkers } from '../workers/start-workers.ts';
import { buildApp } from './app.ts';
import { boot, onShutdown, startReceiving } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { dialectOf } from './store/orm.ts';

// config → Redis → database → app → channels → workers → listen
const log = (line: string) => console.log(`[crm] ${line}`);
const config = loadConfig();
const runtime = await boot(config, log).catch((error: Error) => {
  console.error(`[crm] cannot start: ${error.message}`);
  process.exit(1);
});
const { services } = runtime;

const admin = await services.operators.ensureAdmin(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
if (admin?.generatedPassword) log(`created the admin ${admin.email} with password ${admin.generatedPassword} (shown once; change it after logging in)`);
else if (admin) log(`created the admin ${admin.email}`);

const app = await buildApp({ services, redis: runtime.redis, logger: { level: config.LOG_LEVEL } });
await startReceiving(runtime);
const workers = config.RUN_WORKERS ? await startWorkers(services, runtime.redis, log) : null;

await app.listen({ host: config.HOST, port: config.PORT });
log(`listening on ${config.HOST}:${config.PORT} (${dialectOf(config)}${workers ? ', workers in process' : ''}); API docs at ${config.PUBLIC_URL}/docs`);

onShutdown(async () => {
  await app.close();
  await workers?.close(config.SHUTDOWN_TIMEOUT_MS);
  await runtime.close();
}, log);
