export * from './secrets.ts';
export * from './keys.ts';
