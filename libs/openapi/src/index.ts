export * from './routes.ts';
export * from './schemas.ts';
export * from './document.ts';
export * from './check.ts';
export * from './served-routes.ts';
