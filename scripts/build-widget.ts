import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Builds web/widget into web/widget/dist/widget.js (served at GET /widget.js). Run by `npm install`
 * (postinstall) and, with --if-missing, before `npm start`, so a fresh checkout needs no extra step.
 * Without Vite (a production install with --omit=dev) it says so and leaves the build to the image.
 */
const bundle = fileURLToPath(new URL('../web/widget/dist/widget.js', import.meta.url));
const config = fileURLToPath(new URL('../web/widget/vite.config.ts', import.meta.url));

if (process.argv.includes('--if-missing') && existsSync(bundle)) process.exit(0);
let vite: typeof import('vite');
try {
  createRequire(import.meta.url).resolve('vite');
  vite = await import('vite');
} catch {
  console.warn('[build-widget] vite is not installed (production install?): GET /widget.js answers 503 until the widget is built');
  process.exit(0);
}
await vite.build({ configFile: config });
console.log(`[build-widget] built ${bundle}`);
