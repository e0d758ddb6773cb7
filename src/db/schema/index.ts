export * from './secrets.ts';
export * from './keys.ts';
export * from './identity.ts';
export * from './shares.ts';
export * from './auth.ts';
export * from './audit.ts';
