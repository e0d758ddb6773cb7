#!/usr/bin/env node
// The `tresor` command: runs the TypeScript CLI through tsx, so no build step is needed.
// The project's tsconfig is named explicitly: tsx would otherwise look for one from the
// current folder, and the decorators need its `experimentalDecorators`.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('./tresor.ts');
