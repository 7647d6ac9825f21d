export * from './errors.ts';
export * from './claims.ts';
export type { KeySource, KeyOptions } from './keys.ts';
export * from './verifier.ts';
export * from './dev-token.ts';
