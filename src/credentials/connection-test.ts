/**
 * Connection tests declared on a credential type (`test(context)`, like n8n's credential
 * test): a list of checks, each passed, failed or skipped with a message, as Dependency-Track
 * reports them. The framework runs a test with a time budget, turns a thrown error into a
 * failed check, bounds what a test may return, and removes every secret field's value from
 * the names and messages before anyone sees them — a type author's slip (an upstream error
 * that echoes the password) never reaches a page, a response or the audit trail.
 */
import { EgressDeniedError, HostNotFoundError } from '../errors.ts';
import type { EgressPolicy } from '../net/egress-policy.ts';
import type { TypeSettings } from './definition.ts';
import type { FieldValue, Payload } from './field-options.ts';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface TestCheck {
  name: string;
  status: CheckStatus;
  message: string;
}

/** What a test is given besides its values (which are `this`, typed, as in `validate`). */
export interface TestContext {
  settings: TypeSettings;
  /** Where the test may connect: resolve a host through it and connect to an address it returns. */
  egress: EgressPolicy;
  /** Extra CA certificates (PEM) trusted for outgoing TLS (TRESOR_OUTBOUND_CA_FILE); system roots otherwise. */
  ca: string | undefined;
  /** Aborted when the time budget runs out: hand it to every connection. */
  signal: AbortSignal;
  /** Milliseconds the whole test may take. */
  budgetMs: number;
  now: Date;
  /**
   * The type's slow checks (`verify`: a key opened with its passphrase, a chain's signatures),
   * off the event loop in the hook worker; the issues found, none when it passed.
   */
  verify(): Promise<readonly { path: string; message: string }[]>;
}

export interface TestReport {
  /** Every check passed or was skipped: none failed. */
  ok: boolean;
  checks: TestCheck[];
  durationMs: number;
}

export const passed = (name: string, message = ''): TestCheck => ({ name, status: 'passed', message });
export const failed = (name: string, message: string): TestCheck => ({ name, status: 'failed', message });
export const skipped = (name: string, message = ''): TestCheck => ({ name, status: 'skipped', message });
/** The checks after a failed one, skipped as such. */
export const notTried = (...names: string[]): TestCheck[] =>
  names.map((name) => skipped(name, 'Not tried: an earlier check failed'));

/**
 * A failed first step of reaching a host: a name with no address is "Find the host", a refused
 * one "Destination allowed".
 */
export function unreachable(error: unknown, ...after: string[]): TestCheck[] {
  const message = error instanceof Error ? error.message : String(error);
  const check = error instanceof HostNotFoundError ? 'Find the host' : 'Destination allowed';
  return [failed(check, message), ...notTried(...after)];
}

/**
 * A connection test's first check: the host is found (DNS) and the egress policy allows where it
 * leads — two failures told apart. The checks `after` are marked not tried when it fails.
 */
export async function destinationCheck(
  egress: EgressPolicy,
  host: string,
  ...after: string[]
): Promise<{ ok: true; address: string; check: TestCheck } | { ok: false; checks: TestCheck[] }> {
  try {
    const [address] = await egress.resolve(host);
    return { ok: true, address, check: passed('Destination allowed', `${host} resolves to ${address}`) };
  } catch (error) {
    if (!(error instanceof EgressDeniedError || error instanceof HostNotFoundError)) throw error;
    return { ok: false, checks: unreachable(error, ...after) };
  }
}

/** "All checks passed", "2 checks passed, 1 skipped", "1 of 3 checks failed". */
export function testVerdict(checks: readonly { status: string }[]): string {
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  const [passedCount, failedCount, skippedCount] = [count('passed'), count('failed'), count('skipped')];
  const checksWord = (n: number) => `${n} check${n === 1 ? '' : 's'}`;
  if (failedCount > 0) return `${failedCount} of ${checksWord(checks.length)} failed`;
  if (skippedCount === 0) return passedCount === 1 ? 'the check passed' : 'all checks passed';
  return `${checksWord(passedCount)} passed, ${skippedCount} skipped`;
}

const maxChecks = 20;
const maxText = 500;
const statuses: ReadonlySet<string> = new Set(['passed', 'failed', 'skipped']);
export const redacted = '[secret]';

/** Every secret text in a payload (pair values included), longest first, so no shorter one splits a longer one. */
export function secretTexts(payload: Payload, secretKeys: readonly string[]): string[] {
  const texts: string[] = [];
  const add = (value: FieldValue | undefined) => {
    if (typeof value === 'string' && value.length >= 3) texts.push(value);
    else if (Array.isArray(value)) for (const pair of value) if (pair.value.length >= 3) texts.push(pair.value);
  };
  for (const key of secretKeys) add(payload[key]);
  return texts.sort((a, b) => b.length - a.length);
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(redacted);
  return out.length > maxText ? `${out.slice(0, maxText - 1)}…` : out;
}

/** A test's answer, checked and bounded: whatever it returned, the caller gets well-formed checks. */
function normalise(result: unknown, secrets: readonly string[]): TestCheck[] {
  if (!Array.isArray(result) || result.length === 0) return [failed('Test', 'The type’s test returned no checks')];
  const checks = result.slice(0, maxChecks).map((item: unknown): TestCheck => {
    const check = (item ?? {}) as Partial<Record<keyof TestCheck, unknown>>;
    const status = typeof check.status === 'string' && statuses.has(check.status) ? check.status : 'failed';
    return {
      name: scrub(typeof check.name === 'string' && check.name ? check.name : 'Check', secrets),
      status: status as CheckStatus,
      message: scrub(typeof check.message === 'string' ? check.message : '', secrets),
    };
  });
  if (result.length > maxChecks) checks.push(skipped('More checks', `${result.length - maxChecks} more not shown`));
  return checks;
}

/**
 * Runs `run` (the type's test on a typed instance) within `budgetMs`: past the budget the
 * signal is aborted and the report says so, a thrown error becomes a failed check, and every
 * text in `secrets` is replaced in what comes back.
 */
export async function runConnectionTest(
  run: (signal: AbortSignal) => Promise<unknown> | unknown,
  budgetMs: number,
  secrets: readonly string[],
): Promise<TestReport> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<'overrun'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('time budget exceeded'));
      resolve('overrun');
    }, budgetMs);
  });
  let checks: TestCheck[];
  try {
    const result = await Promise.race([Promise.resolve().then(() => run(controller.signal)), overrun]);
    checks =
      result === 'overrun'
        ? [failed('Time budget', `The test did not finish within ${budgetMs / 1000} s`)]
        : normalise(result, secrets);
  } catch (error) {
    checks = [failed('Test', scrub(error instanceof Error ? error.message : String(error), secrets))];
  } finally {
    clearTimeout(timer);
  }
  return {
    ok: !checks.some((c) => c.status === 'failed'),
    checks,
    durationMs: Math.round(performance.now() - started),
  };
}
