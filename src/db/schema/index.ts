export * from './audit.ts';
export * from './auth.ts';
export * from './identity.ts';
export * from './keys.ts';
export * from './notices.ts';
export * from './secrets.ts';
export * from './shares.ts';
export * from './webhooks.ts';
