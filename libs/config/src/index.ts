export * from './load.ts';
export * from './vars.ts';
export * from './jwt.ts';
