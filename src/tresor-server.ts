/**
 * `'tresor/server'`: what an embedder imports to run Tresor — the composition root
 * (`createTresor`), configuration parsed once (`parseConfig`), and the fastify plugin that
 * mounts the API and UI (`tresorPlugin`). Credential types never import it.
 */

export { parseConfig, type TresorConfig } from './config.ts';
export { createRegistry, createTresor, type Tresor } from './tresor.ts';
export { type TresorPluginOptions, tresorPlugin } from './web/mount.ts';
