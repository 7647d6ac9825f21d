import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import type { Verifier } from '@chat/auth';
import type { Logger, Metrics } from '@chat/telemetry';
import './types.ts';
import { jsonBody } from './body.ts';
import { errorBody, notFound, toHttpError } from './errors.ts';
import { mountProbes, type ReadinessChecks } from './probes.ts';
import { ERROR_CODE_LOCAL, requestContext } from './request-context.ts';
import { appState, setAppState } from './state.ts';

export interface HttpAppOptions {
  /** The service's name, as in its logs and metrics. */
  service: string;
  logger: Logger;
  metrics: Metrics;
  /** The verifier `authenticate()` uses when given none. */
  verifier?: Verifier;
  /** What `/readyz` checks; none means ready whenever the process serves. */
  readiness?: ReadinessChecks;
  /** Each readiness check's time limit; default 1500 ms. */
  readinessTimeoutMs?: number;
  /** Largest JSON body accepted; default `64kb`. */
  bodyLimit?: string | number;
  /** Helmet's options, e.g. a content security policy for an app that serves pages. */
  helmet?: HelmetOptions;
}

/**
 * Helmet's defaults, except `upgrade-insecure-requests`: pages served over plain HTTP (the local
 * run on localhost, a pod behind a TLS-terminating ingress) would otherwise have their own
 * scripts and calls rewritten to an HTTPS the server does not speak.
 */
const DEFAULT_HELMET: HelmetOptions = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };

/**
 * An express app with the plumbing every service shares: security headers, request ids, one log
 * line and one duration sample per request, the JSON body parser (whose refusals wait for
 * `parseBody`, after the token and the resource are judged: body.ts), and `/healthz`, `/readyz`,
 * `/metrics`. Mount the routes on it, then call `finishApp`.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  setAppState(app, { service: options.service, logger: options.logger, verifier: options.verifier, draining: false });
  app.disable('x-powered-by');
  app.use(requestContext(options.logger, options.metrics));
  app.use(helmet(options.helmet ?? DEFAULT_HELMET));
  mountProbes(app, {
    metrics: options.metrics,
    readiness: options.readiness,
    readinessTimeoutMs: options.readinessTimeoutMs ?? 1500,
  });
  app.use(jsonBody(options.bodyLimit ?? '64kb'));
  return app;
}

/** Adds what comes after the routes: the JSON 404 for unknown routes and the error handler. */
export function finishApp(app: Express): Express {
  app.use(() => {
    throw notFound('No such route');
  });
  app.use(errorHandler);
  return app;
}

/**
 * Every failure answers `{ error: { code, message, details? } }`. A failure the kit does not know
 * is a 500 `INTERNAL` whose cause goes to the log, never to the caller.
 */
const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const { httpError, internal } = toHttpError(error);
  const log = req.log ?? appState(req.app as Express).logger;
  if (internal) log.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
  else if (httpError.status === 503) log.warn({ err: httpError.cause ?? error, path: req.path }, 'dependency unavailable');

  if (res.headersSent) {
    // Part of the answer is out; the only honest signal left is to cut the connection.
    log.error({ err: error, path: req.path }, 'error after the response started');
    res.destroy();
    return;
  }
  res.locals[ERROR_CODE_LOCAL] = httpError.code;
  res.status(httpError.status).set(httpError.headers).json(errorBody(httpError));
};
