import type { Express } from 'express';
import type { Verifier } from '@chat/auth';
import type { Logger } from '@chat/telemetry';

/** What the kit remembers about an app it made, out of reach of `app.locals` (untyped and public). */
export interface AppState {
  service: string;
  logger: Logger;
  verifier: Verifier | undefined;
  /** Set once shutdown begins: readiness answers 503 from then on. */
  draining: boolean;
}

const states = new WeakMap<Express, AppState>();

export function setAppState(app: Express, state: AppState): void {
  states.set(app, state);
}

export function appState(app: Express): AppState {
  const state = states.get(app);
  if (!state) throw new Error('This app was not made by createHttpApp');
  return state;
}

/** Readiness turns 503 so that load balancers stop sending traffic before the server goes away. */
export function markDraining(app: Express): void {
  const state = states.get(app);
  if (state) state.draining = true;
}
