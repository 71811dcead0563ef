/**
 * Builds the operator web app (web/operator → web/operator/dist) with Vite.
 *   node scripts/build-operator.ts            build
 *   node scripts/build-operator.ts --if-needed build only when dist is missing or older than the sources
 * Used by `npm install` (postinstall) and `npm start`, so `npm install && npm start` serves the app.
 * Without Vite (a production install with --omit=dev) it says so and exits 0: the server still runs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../web/operator/', import.meta.url));
const DIST_INDEX = join(ROOT, 'dist', 'index.html');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).filter((name) => name !== 'dist' && name !== 'node_modules').map((name) => newestMtime(join(path, name))));
}

/** Whether dist is missing or older than any source file of the app. */
export function operatorBuildIsStale(): boolean {
  return !existsSync(DIST_INDEX) || statSync(DIST_INDEX).mtimeMs < newestMtime(ROOT);
}

export async function buildOperatorApp(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'warn' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifNeeded = process.argv.includes('--if-needed');
  if (ifNeeded && !operatorBuildIsStale()) process.exit(0);
  try {
    await import('vite');
  } catch {
    console.log('[crm] Vite is not installed (a production install?): the operator web app was not built; run `npm install` with dev dependencies, then `npm run build:operator`.');
    process.exit(0);
  }
  await buildOperatorApp();
  console.log('[crm] built the operator web app in web/operator/dist');
}
