import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The Vigil console. Built with `vite build --config web/vite.config.ts` into `<repo>/dist/web`, which the Express
 * server serves with an SPA fallback. In development (`vite --config web/vite.config.ts`) the API and the Socket.io
 * channel are proxied to a Vigil running on 127.0.0.1:8080, so the session cookie stays same-origin.
 */
const webDir = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  root: webDir,
  base: '/',
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/socket.io': { target: backend, ws: true, changeOrigin: false },
    },
  },
  preview: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/socket.io': { target: backend, ws: true, changeOrigin: false },
    },
  },
});
