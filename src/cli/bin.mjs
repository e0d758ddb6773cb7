#!/usr/bin/env node
// The `tresor` command: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('./tresor.ts');
