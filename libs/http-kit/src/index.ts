import './types.ts';

export * from './errors.ts';
export * from './app.ts';
export { malformedJsonText } from './body.ts';
export * from './auth.ts';
export * from './validation.ts';
export * from './cursor.ts';
export * from './serve.ts';
export { markDraining } from './state.ts';
export type { ReadinessChecks } from './probes.ts';
