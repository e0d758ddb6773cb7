// The worker thread that runs credential types' slow hooks (verify, facts) off the event
// loop. It loads TypeScript through tsx, as the `tresor` bin does, then serves tasks from
// hook-runner.ts. Plain JavaScript: a worker starts without the parent's module loader.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
await import('./hook-runner.ts');
