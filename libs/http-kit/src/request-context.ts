import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger, Metrics } from '@chat/telemetry';

/** A caller's request id is kept only if it is short and plain, so it cannot forge log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes run every few seconds; their lines would drown the rest at `info`. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Gives each request an id (echoed as `x-request-id`) and a logger bound to it, then writes one
 * line when the request ends and observes its duration by route and status. The line names no
 * header and no query string, so tokens never reach the log.
 */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  const duration = metrics.histogram('http_request_duration_seconds', 'HTTP request duration by route and status', [
    'method',
    'route',
    'status',
  ]);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const offered = req.get('x-request-id');
    req.requestId = offered !== undefined && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
    req.log = logger.child({ requestId: req.requestId });
    res.setHeader('x-request-id', req.requestId);

    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499;
      duration.observe({ method: req.method, route: routeOf(req), status: String(status) }, seconds);
      const line = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status,
        durationMs: Math.round(seconds * 1e5) / 100,
        ...(req.principal ? { tenantId: req.principal.tenantId, userId: req.principal.userId } : {}),
        ...errorCodeOf(res),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (status >= 500) req.log.warn(line, 'request');
      else if (QUIET_PATHS.has(req.path)) req.log.debug(line, 'request');
      else req.log.info(line, 'request');
    });
    next();
  };
}

/** The route pattern, not the path: ids in paths would make one time series per resource. */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return path === undefined ? '(unmatched)' : `${req.baseUrl}${String(path)}`;
}

/** Set by the error handler so the request line says why a request failed. */
export const ERROR_CODE_LOCAL = 'errorCode';

function errorCodeOf(res: Response): { errorCode?: string } {
  const code: unknown = res.locals[ERROR_CODE_LOCAL];
  return typeof code === 'string' ? { errorCode: code } : {};
}
