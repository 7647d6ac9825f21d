import { METHODS } from 'node:http';

/** One route an Express app serves: its method (`get`, ..., `all`) and its path as a template. */
export interface ServedRoute {
  method: string;
  /** In the document's form: `/api/chat/channels/{id}`. */
  path: string;
}

/** The parts of Express 5's router (`router` 2) that name what an app serves. */
interface RouterLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/**
 * The routes an Express app serves, read from its router, nested routers included: what the
 * document is compared with. A path that is not a plain string (a pattern or a list) throws, so
 * that nothing the app serves is left out of the comparison unnoticed.
 */
export function servedRoutes(app: { router: unknown }): ServedRoute[] {
  return walk((app.router as { stack: RouterLayer[] }).stack, '');
}

const EVERY_METHOD = METHODS.map((method) => method.toLowerCase());

function walk(stack: RouterLayer[], prefix: string): ServedRoute[] {
  const routes: ServedRoute[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const path = asTemplate(`${prefix}${plainPath(layer.route.path)}`);
      const methods = Object.keys(layer.route.methods);
      // `app.all()` registers every method one by one: it is one route for any method.
      if (methods.includes('_all') || EVERY_METHOD.every((method) => methods.includes(method))) routes.push({ method: 'all', path });
      else for (const method of methods) routes.push({ method, path });
    } else if (layer.handle?.stack) {
      const mount = plainPath(layer.rawPath);
      routes.push(...walk(layer.handle.stack, mount === '/' ? prefix : `${prefix}${mount}`));
    }
  }
  return routes;
}

function plainPath(path: unknown): string {
  if (typeof path !== 'string') throw new Error(`a route path that is not a plain string: ${String(path)}`);
  return path;
}

/** Express's `:name` as OpenAPI's `{name}`. */
export function asTemplate(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

/** A route's identity whatever its parameters are called: `GET /api/chat/channels/{}`. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${asTemplate(path).replace(/\{[^}]*\}/g, '{}')}`;
}
