export * from './enums.ts';
export * from './ids.ts';
export * from './principal.ts';
export * from './resources.ts';
export * from './requests.ts';
export * from './events.ts';
