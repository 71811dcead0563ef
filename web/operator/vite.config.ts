import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// Development: `npm run dev:operator` serves the app with hot reload on :5173 and forwards the API and the
// socket to the server (`npm start`, or CRM_URL). Production: `npm run build:operator` writes dist/, which
// the server serves at `/`.
const target = process.env.CRM_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/socket.io': { target, ws: true, changeOrigin: false },
    },
  },
});
