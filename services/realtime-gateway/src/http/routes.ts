import type { Express } from 'express';
import { authenticate, notFound } from '@chat/http-kit';
import { PUBLIC_PREFIX } from '../domain/routing.ts';
import type { GatewayInstruments } from '../instruments.ts';
import type { PeerClient } from '../peers/client.ts';
import type { PresenceStore } from '../store/presence.ts';
import type { RateLimits } from '../store/rate-limits.ts';
import { listChannels } from './channel-list.ts';
import { serveConsole } from './console.ts';
import { cors } from './cors.ts';
import { devToken, type DevAuth } from './dev-token.ts';
import { openApiDocument } from './openapi.ts';
import { presence } from './presence.ts';
import { proxyToOwner } from './proxy.ts';
import { rateLimit } from './rate-limit.ts';

export interface GatewayRoutesDependencies {
  peers: PeerClient;
  presence: PresenceStore;
  rateLimits: RateLimits;
  instruments: GatewayInstruments;
  corsOrigins: readonly string[] | undefined;
  devAuth: DevAuth | null;
  staticDir: string | undefined;
}

/**
 * The public REST entry: CORS, the OpenAPI document and dev tokens (dev mode only), then for
 * everything else the caller's token and rate limits, the gateway's own routes, and the services'
 * routes behind the proxy.
 */
export function mountGatewayRoutes(app: Express, deps: GatewayRoutesDependencies): void {
  app.use(PUBLIC_PREFIX, cors(deps.corsOrigins));
  app.get(`${PUBLIC_PREFIX}/openapi.json`, openApiDocument());
  // Without dev mode the route does not exist, for anyone: 404, not a token check.
  if (deps.devAuth) app.post(`${PUBLIC_PREFIX}/dev/token`, devToken(deps.devAuth));
  else app.all(`${PUBLIC_PREFIX}/dev/token`, () => {
    throw notFound('No such route');
  });
  app.use(PUBLIC_PREFIX, authenticate(), rateLimit(deps.rateLimits, deps.instruments));
  app.get(`${PUBLIC_PREFIX}/presence`, presence(deps.presence));
  app.get(`${PUBLIC_PREFIX}/channels`, listChannels(deps.peers));
  app.use(PUBLIC_PREFIX, proxyToOwner(deps.peers, deps.instruments));
  if (deps.staticDir) serveConsole(app, deps.staticDir);
}
