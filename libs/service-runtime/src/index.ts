export * from './types.ts';
export * from './start-service.ts';
export * from './run-main.ts';
export * from './run-migrations.ts';
