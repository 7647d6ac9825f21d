import type { Express } from 'express';
import type { Metrics } from '@chat/telemetry';
import { appState } from './state.ts';

/**
 * Named checks, each answering whether one dependency is usable (bounded by a timeout; a throw
 * or a timeout counts as down), or one function that answers for all of them at once.
 */
export type ReadinessChecks =
  | Record<string, () => boolean | Promise<boolean>>
  | (() => Promise<Record<string, boolean>>);

export interface ProbeOptions {
  metrics: Metrics;
  readiness: ReadinessChecks | undefined;
  /** Readiness must turn within two seconds of losing a dependency, so no check may hang longer. */
  readinessTimeoutMs: number;
}

export function mountProbes(app: Express, { metrics, readiness, readinessTimeoutMs }: ProbeOptions): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    if (appState(app).draining) {
      res.status(503).json({
        status: 'draining',
        checks: {},
        error: { code: 'SERVICE_UNAVAILABLE', message: 'Shutting down' },
      });
      return;
    }
    const checks = await runChecks(readiness, readinessTimeoutMs);
    const down = Object.keys(checks).filter((name) => !checks[name]);
    if (down.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    res.status(503).json({
      status: 'not_ready',
      checks,
      error: { code: 'SERVICE_UNAVAILABLE', message: `Not ready: ${down.join(', ')}`, details: { down } },
    });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

async function runChecks(readiness: ReadinessChecks | undefined, timeoutMs: number): Promise<Record<string, boolean>> {
  if (readiness === undefined) return {};
  if (typeof readiness === 'function') {
    // One function answers for all; if it fails or hangs, the names of the checks are unknown.
    return (await settleWithin(readiness(), timeoutMs)) ?? { readiness: false };
  }
  const entries = await Promise.all(
    Object.entries(readiness).map(async ([name, check]) => {
      const ok = await settleWithin(Promise.resolve().then(check), timeoutMs);
      return [name, ok === true] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** The promise's value, or `undefined` if it rejects or takes longer than `timeoutMs`. */
async function settleWithin<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, undefined);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
