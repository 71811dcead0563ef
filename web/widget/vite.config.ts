import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** One self-contained IIFE (socket.io-client bundled in) that any site can load with a <script> tag. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    lib: { entry: 'src/main.ts', name: 'CrmWidget', formats: ['iife'], fileName: () => 'widget.js' },
  },
});
