/**
 * Connection tests of secrets: a stored one (optionally with edited, unsaved fields: secret
 * fields left empty mean the stored ones), or the unsaved values of a new one. The rules:
 * - testing a stored secret is a use of it: whoever may use it may test it, and it is
 *   audited (`secret.tested`) before the report is returned, as a use is;
 * - edited values go through the same merge as an update, so a changed destination needs
 *   every stored secret entered again: a test never sends a stored secret somewhere new;
 * - a test's answer is derived from the stored value, so it must not answer guesses: edited
 *   non-secret fields are tested only with every stored secret entered again (a password's
 *   strength against a username the caller chose would tell whether the guess is right);
 *   refused tests are on record (`secret.test_refused`), and each principal has a budget of
 *   tests per secret and minute;
 * - a principal that may use the secret but not read it (a group member) learns pass or fail
 *   only: no metadata, no messages (the gate's `derivedDetail`);
 * - unsaved values of a new secret may be tested by whoever may create one of that type;
 * - permission is checked before anything is parsed, opened or connected.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { TestReport } from '../credentials/connection-test.ts';
import type { CredentialType, TestEnvironment } from '../credentials/credential-type.ts';
import type { Payload } from '../credentials/field-options.ts';
import type { Connections, CredentialRegistry } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { type Principal, principalKey } from '../identity/principal.ts';
import { canonicalJson } from '../text/canonical-json.ts';
import { perMinuteBudget } from './per-minute-budget.ts';
import type { SecretRow } from './secret.store.ts';
import { metadataOf, type SecretMetadata } from './secret-metadata.ts';

export interface ConnectionTestDeps {
  db: Database;
  gate: Pick<AccessGate, 'check' | 'open' | 'create' | 'derivedDetail'>;
  registry: CredentialRegistry;
  audit: Pick<AuditService, 'write'>;
  environment: TestEnvironment;
  /** OAuth2 types: whether the secret's connection would serve a module (src/oauth2). */
  connections?: Pick<Connections, 'connectionCheck'>;
  /** Tests of one stored secret one principal may run in a minute. */
  testsPerMinute?: number;
}

export interface TestedSecret {
  /** The stored secret tested; absent for unsaved values of a new one, and for a tester who may not read it. */
  secret: SecretMetadata | undefined;
  type: string;
  /** Whether unsaved values were tested. */
  unsaved: boolean;
  report: TestReport;
}

export function connectionTestServiceFactory({
  db,
  gate,
  registry,
  audit,
  environment,
  connections,
  testsPerMinute = 20,
}: ConnectionTestDeps) {
  const budget = perMinuteBudget(testsPerMinute, 'connection tests of this secret');

  /** Pass or fail and each check's name: what a tester who may not read the secret learns. */
  const verdictOnly = (report: TestReport): TestReport => ({
    ...report,
    checks: report.checks.map((c) => ({ ...c, message: '' })),
  });

  async function record(
    principal: Principal,
    target: { id: string | null; name: string },
    type: CredentialType,
    version: number | null,
    unsaved: boolean,
    report: TestReport,
  ): Promise<void> {
    const count = (status: string) => report.checks.filter((c) => c.status === status).length;
    await audit.write({
      actor: principal,
      outcome: report.ok ? 'success' : 'failure',
      event: {
        action: 'secret.tested',
        target,
        details: {
          type: type.id,
          version,
          unsaved,
          passed: count('passed'),
          failed: count('failed'),
          skipped: count('skipped'),
          failedChecks: report.checks.filter((c) => c.status === 'failed').map((c) => c.name),
        },
      },
    });
  }

  /**
   * The edited values to test: refused when a stored secret would be kept beside changed
   * non-secret fields (each kept secret must be entered again; destinations are one case).
   */
  function editedPayload(type: CredentialType, edited: unknown, stored: Payload): Payload {
    const payload = type.parseUpdate(edited, stored);
    const kept = type.keptSecrets(edited, stored);
    if (kept.length === 0) return payload;
    const [before, after] = [type.publicFields(stored), type.publicFields(payload)];
    const changed = type.definition.fields
      .filter((f) => !f.secret && canonicalJson(before[f.key] ?? null) !== canonicalJson(after[f.key] ?? null))
      .map((f) => f.key);
    if (changed.length > 0) throw type.testRefusal(kept, changed);
    return payload;
  }

  /** Runs `parse`; a validation failure (the edited values refused) goes on record before it is answered. */
  async function refusedOnRecord<T>(principal: Principal, row: SecretRow, parse: () => T): Promise<T> {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ValidationError)
        await audit.write({
          actor: principal,
          outcome: 'denied',
          event: {
            action: 'secret.test_refused',
            target: { id: row.id, name: row.name },
            details: { fields: [...new Set(error.issues.map((i) => i.path.split('.')[0] ?? ''))] },
          },
        });
      throw error instanceof ValidationError ? error.under('fields') : error;
    }
  }

  return {
    /** Tests stored secret `ref`; with `fields`, its edited values (empty secret fields keep the stored ones). */
    async testStored(principal: Principal, ref: string, input: { fields?: unknown } = {}): Promise<TestedSecret> {
      const grant = await gate.check(principal, ref, 'use');
      const { row } = grant;
      const detail = gate.derivedDetail(grant);
      budget.take(`${principalKey(principal)} ${row.id}`);
      const type = registry.get(row.typeId);
      const stored = await gate.open(db, grant);
      const unsaved = input.fields !== undefined;
      // As an update through the API: non-secret fields left out keep their stored value.
      const edited =
        input.fields !== null && typeof input.fields === 'object' && !Array.isArray(input.fields)
          ? { ...type.publicFields(stored), ...input.fields }
          : input.fields;
      const payload = unsaved
        ? await refusedOnRecord(principal, row, () => editedPayload(type, edited, stored))
        : stored;
      let report = await type.test(payload, environment);
      // An OAuth2 secret's test also says whether its connection serves (needs reconnect, not connected).
      if (connections && !unsaved && type.connects) {
        const checks = [...report.checks, await connections.connectionCheck(row.id, payload)];
        report = { ...report, checks, ok: checks.every((c) => c.status !== 'failed') };
      }
      await record(principal, { id: row.id, name: row.name }, type, row.version, unsaved, report);
      if (detail === 'verdict') return { secret: undefined, type: type.id, unsaved, report: verdictOnly(report) };
      return { secret: metadataOf(row), type: type.id, unsaved, report };
    },

    /** Tests the unsaved values of a new secret of type `typeId`. */
    async testNew(principal: Principal, typeId: unknown, fields: unknown): Promise<TestedSecret> {
      const type = typeof typeId === 'string' ? registry.find(typeId) : undefined;
      await gate.create(principal, type, '');
      if (!type) throw ValidationError.field('type', `Unknown credential type "${String(typeId)}"`);
      const report = await type.test(type.parseCreate(fields), environment);
      await record(principal, { id: null, name: '' }, type, null, true, report);
      return { secret: undefined, type: type.id, unsaved: true, report };
    },
  };
}

export type ConnectionTestService = ReturnType<typeof connectionTestServiceFactory>;
