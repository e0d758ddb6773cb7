// `npm start`: runs the compiled server, building dist/ first when it is missing or older
// than the sources (a fresh clone, or after a pull), so one command is still all it takes.
import { buildState } from './build-state.mjs';

const state = buildState();
if (state !== 'fresh') {
  process.stderr.write(`tresor: dist/ is ${state}; building it (npm run build)…\n`);
  const { build } = await import('./build.mjs');
  build({ quiet: true });
}
await import('../dist/src/server.js');
