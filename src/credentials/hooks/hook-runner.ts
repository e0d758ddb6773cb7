/**
 * Inside the hook worker: runs one type's slow hooks on one payload. The type is found by
 * the module file it was loaded from and its export name; the instance gets the payload's
 * fields (defaults already applied). Answers issues (verify) and facts, or an error text.
 */
import { parentPort } from 'node:worker_threads';
import type { CredentialHooks } from '../definition.ts';
import { prepareImport } from '../typescript-loader.ts';
import type { HookRequest, HookResponse } from './hook-protocol.ts';
import { runSlowHooks } from './slow-hooks.ts';

const modules = new Map<string, Promise<Record<string, unknown>>>();

async function run(request: HookRequest): Promise<HookResponse> {
  let module = modules.get(request.moduleUrl);
  if (!module) {
    const url = request.moduleUrl;
    module = prepareImport(url).then(() => import(url) as Promise<Record<string, unknown>>);
    modules.set(request.moduleUrl, module);
  }
  const ctor = (await module)[request.exportName];
  if (typeof ctor !== 'function')
    return { id: request.id, error: `${request.exportName} is not exported by its module` };
  const instance = Object.assign(Reflect.construct(ctor, []) as object, request.payload) as CredentialHooks;
  return { id: request.id, ...runSlowHooks(instance, { settings: request.settings }) };
}

parentPort?.on('message', (request: HookRequest) => {
  run(request).then(
    (response) => parentPort?.postMessage(response),
    (error: unknown) =>
      parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
