/** Tresor's public API for type authors, modules and embedders: `import { ... } from 'tresor'`. */
export * from './credentials/index.ts';
export * from './errors.ts';
export { createTresor, createRegistry, type Tresor } from './tresor.ts';
export { parseConfig, type TresorConfig } from './config.ts';
