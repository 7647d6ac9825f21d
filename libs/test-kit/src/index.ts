export * from './tokens.ts';
export * from './process.ts';
export * from './redis.ts';
export * from './postgres.ts';
export * from './rabbitmq.ts';
export * from './tcp-proxy.ts';
export * from './cluster.ts';
export * from './http.ts';
