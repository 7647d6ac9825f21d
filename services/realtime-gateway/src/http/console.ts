import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import express, { type Express } from 'express';

/** Paths that belong to the API, probes and sockets, never to the console. */
const NOT_CONSOLE = /^\/(api|internal|socket\.io|healthz|readyz|metrics)(\/|$)/;

/**
 * The support console's static build at `/`. It is a single-page app: any other page path a
 * browser asks for (a deep link, a reload) gets `index.html`, and the app routes it.
 */
export function serveConsole(app: Express, staticDir: string): void {
  const root = resolve(staticDir);
  const index = resolve(root, 'index.html');
  app.use(express.static(root, { index: 'index.html' }));
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_CONSOLE.test(req.path) || !existsSync(index)) return next();
    res.sendFile(index);
  });
}
