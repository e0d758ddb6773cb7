/**
 * `'tresor/server'`: what an embedder imports to run Tresor — the composition root
 * (`createTresor`), configuration parsed once (`parseConfig`), and the fastify plugin that
 * mounts the API and UI (`tresorPlugin`). Credential types never import it.
 */

export { parseConfig, type TresorConfig } from './config.ts';
/** Loading types from a folder (Tresor's own, or `TRESOR_TYPES_DIR`) into a registry. */
export { builtInTypesDir, loadCredentialTypes } from './credentials/loader.ts';
export { createRegistry, createTresor, type Tresor } from './tresor.ts';
/** A host app's identities and look (README, "Your app's own users and groups"). */
export type { HostIdentity, HostPage, HostUser, TresorLayout } from './web/host-identity.ts';
export { type TresorPluginOptions, tresorPlugin } from './web/mount.ts';
