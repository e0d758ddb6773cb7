/** A registry with the built-in types, built once per test file. */
import { CredentialRegistry, type CredentialType } from '../../src/credentials/index.ts';
import { loadCredentialTypes } from '../../src/credentials/loader.ts';

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

type Thrown = Error & { code?: string; field?: string; issues?: { path: string; message: string }[] };

/** Parses a create input and runs the type's slow checks, as the secret service does; returns the error. */
export async function refused(type: CredentialType, input: unknown): Promise<Thrown> {
  try {
    await type.inspect(type.parseCreate(input));
  } catch (error) {
    return error as Thrown;
  }
  throw new Error('expected the input to be refused');
}
