/**
 * Credential types written in TypeScript (TRESOR_TYPES_DIR) load in the compiled Tresor too:
 * before the first `.ts` module is imported, tsx is registered, with Tresor's tsconfig (the
 * decorators need its `experimentalDecorators`). Running from the sources, tsx is already there.
 */
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';

let registered: Promise<void> | undefined;

export function prepareImport(moduleUrl: string): Promise<void> {
  if (!moduleUrl.endsWith('.ts') || import.meta.url.endsWith('.ts')) return Promise.resolve();
  registered ??= import('tsx/esm/api').then(({ register }) => {
    register({ tsconfig: join(packageRoot, 'tsconfig.json') });
  });
  return registered;
}
