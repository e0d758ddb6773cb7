/** Runs an instance's slow hooks (in the hook worker, or in-process for types loaded without a file). */
import type { CredentialHooks, HookIssue, ValidationContext } from '../definition.ts';

export interface SlowHookResult {
  issues: HookIssue[];
  facts: Record<string, string>;
}

/** `verify`'s issues; when there are none, `facts` (a failing `facts` gives none rather than an error). */
export function runSlowHooks(instance: CredentialHooks, context: ValidationContext): SlowHookResult {
  const issues = [...(instance.verify?.(context) ?? [])];
  if (issues.length > 0 || typeof instance.facts !== 'function') return { issues, facts: {} };
  try {
    return { issues, facts: instance.facts() };
  } catch {
    return { issues, facts: {} };
  }
}
