/** A registry with the built-in types, built once per test file. */
import { CredentialRegistry, loadCredentialTypes } from '../../src/credentials/index.ts';

export async function builtInRegistry(passwordMinScore = 3): Promise<CredentialRegistry> {
  const registry = new CredentialRegistry({ settings: { passwordMinScore } });
  await loadCredentialTypes(registry);
  return registry;
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
export function thrown(
  fn: () => unknown,
): Error & { code?: string; field?: string; issues?: { path: string; message: string }[] } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}
