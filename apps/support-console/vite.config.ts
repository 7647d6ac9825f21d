import { defineConfig, type ProxyOptions } from 'vite';
import react from '@vitejs/plugin-react';

/** The gateway a `vite` dev server forwards the API and sockets to (the local run's default port). */
const gateway = process.env.GATEWAY_URL ?? 'http://localhost:8080';

/**
 * The gateway allows its own origin only (unless `CORS_ORIGINS` says more), so the dev server
 * presents the gateway's origin: the console in development then behaves as it does when the
 * gateway serves it.
 */
const toGateway: ProxyOptions = {
  target: gateway,
  changeOrigin: true,
  configure(proxy) {
    proxy.on('proxyReq', (request) => request.setHeader('origin', gateway));
    proxy.on('proxyReqWs', (request) => request.setHeader('origin', gateway));
  },
};

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': toGateway,
      '/socket.io': { ...toGateway, ws: true },
    },
  },
});
