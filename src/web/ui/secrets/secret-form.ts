/**
 * The generated create/edit form of a credential type: its fields from the type's form model,
 * the values entered so far, the errors beside their inputs, and the choices a reference
 * field may pick (the secrets of its type this user may use, checked again on save).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialType, TestReport } from '../../../credentials/index.ts';
import { ValidationError } from '../../../errors.ts';
import type { SecretMetadata } from '../../../secrets/secret-metadata.ts';
import { defaultSpaceName } from '../../../secrets/secret-rules.ts';
import { secretKeys } from '../../../secrets/version-writer.ts';
import { basePath } from '../../paths.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { redirectWithDraft } from '../form-draft.ts';
import { renderFields } from '../form-input.ts';
import { errorsByPath, renderPage } from '../render.ts';
import { typeView } from './secret-views.ts';

export interface SecretFormState {
  values?: Record<string, unknown>;
  error?: ValidationError | string;
  secret?: SecretMetadata;
  facts?: Record<string, string>;
  /** Whether the form offers "Test without saving" (the type has a test; editing: the user may use it). */
  testable?: boolean;
  report?: TestReport;
  /** A value just generated for a secret field, put in it this once (it is not stored until saved). */
  generated?: { key: string; value: string };
  /** Secret fields whose entry a failed save dropped: the form asks for them again. */
  reenter?: readonly string[];
  /** Editing one environment's value of the secret (its fields only; description and expiry are the secret's). */
  environment?: string;
}

/** A failed save: what was entered and why it failed, as the form is shown again. */
export interface FailedSave {
  values: Record<string, unknown>;
  error: ValidationError | string;
}

/**
 * Back to the form after a failed save by a redirect (Back and Reload then never ask to send it
 * again), with what was entered but secret values, which never go back to the browser — the form
 * names the fields to enter again — and the error in the reader's locale. When the draft cannot
 * be kept (too large for a cookie), `atOnce` shows the form in the answer instead.
 */
export async function returnToForm(
  request: FastifyRequest,
  reply: FastifyReply,
  type: CredentialType,
  form: string,
  failed: FailedSave,
  atOnce: () => Promise<FastifyReply>,
): Promise<FastifyReply> {
  const secret = new Set(secretKeys(type));
  const fields = (failed.values.fields ?? {}) as Record<string, unknown>;
  const entered = (v: unknown) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);
  const kept = Object.fromEntries(
    Object.entries(fields).flatMap(([key, value]): [string, unknown][] => {
      if (!secret.has(key)) return [[key, value]];
      // A secret list keeps its names (the page shows names only), never its values.
      return Array.isArray(value)
        ? [[key, value.map((p) => ({ name: String((p as { name?: unknown }).name ?? '') }))]]
        : [];
    }),
  );
  const reenter = Object.entries(fields)
    .filter(([key, value]) => secret.has(key) && entered(value))
    .map(([key]) => key);
  const error = failed.error instanceof ValidationError ? failed.error.in(request.locale) : failed.error;
  return (
    redirectWithDraft(request, reply, form, { values: { ...failed.values, fields: kept }, error, reenter }) ?? atOnce()
  );
}

/**
 * Where a new secret may go and who else may reach it, for whoever may create in more than one
 * space (the gate's answers; one space: no choice, and no new word on the form).
 */
async function placementChoices(request: FastifyRequest, values: Record<string, unknown>) {
  const { spaces } = request.server.tresor;
  const principal = principalOf(request);
  const [workplaces, global] = await Promise.all([spaces.workplaces(principal), spaces.createsGlobal(principal)]);
  const creating = workplaces.filter((w) => w.creates);
  if (creating.length < 2) return undefined;
  const space = typeof values.space === 'string' && values.space ? values.space : defaultSpaceName;
  const visibility = typeof values.visibility === 'string' && values.visibility ? values.visibility : 'private';
  const levels = [
    { value: 'private', label: 'Private', help: 'you and whom you share it with' },
    { value: 'space', label: 'Space-wide', help: "every member's modules may use it; the space sees its name" },
    ...(global ? [{ value: 'global', label: 'Global', help: "every space's modules may use it" }] : []),
  ];
  return {
    spaces: creating.map((w) => ({ name: w.name, selected: w.name === space })),
    visibilities: levels.map((l) => ({ ...l, checked: l.value === visibility })),
  };
}

export async function showSecretForm(
  request: FastifyRequest,
  reply: FastifyReply,
  type: CredentialType,
  state: SecretFormState,
) {
  // The error and the form in the reader's locale (the service worded the error in each the type knows).
  if (state.error instanceof ValidationError) state = { ...state, error: state.error.in(request.locale) };
  const view = type.in(request.locale);
  const issues = state.error instanceof ValidationError ? state.error.issues : [];
  const editing = state.secret !== undefined;
  const environment = state.environment;
  const action = `${basePath(request)}${
    environment
      ? `/secrets/${state.secret!.id}/environments/${encodeURIComponent(environment)}`
      : editing
        ? `/secrets/${state.secret!.id}/edit`
        : `/secrets/new/${type.id}`
  }`;
  // A reference to another secret is picked from those of its type this user may use (checked again on save).
  const fields = renderFields(
    view.formModel,
    (state.values?.fields as Record<string, unknown>) ?? {},
    issues,
    editing,
    {
      // The name comes first on the form: an error there takes the focus.
      focusFirstError: !issues.some((i) => i.path === 'name'),
      ...(state.reenter ? { reenter: state.reenter } : {}),
    },
  );
  const principal = principalOf(request);
  const { usage, registry } = request.server.tresor;
  const picked = await Promise.all(
    // An environment's value is entered, not generated here (Generate posts to the secret's own form).
    (environment ? fields.map((f) => ({ ...f, generates: false })) : fields).map(async (f) =>
      state.generated?.key === f.key
        ? { ...f, generatedValue: state.generated.value }
        : f.refType
          ? {
              ...f,
              refChoices: (await usage.usableOfType(principal, f.refType)).map((m) => ({
                name: m.name,
                description: m.description,
              })),
              refTypeName: registry.find(f.refType)?.in(request.locale).definition.name ?? f.refType,
            }
          : f,
    ),
  );
  const placement = editing ? undefined : await placementChoices(request, state.values ?? {});
  return renderPage(request, reply, 'secret-form', {
    placement,
    title: environment
      ? `Edit ${state.secret!.name} in ${environment}`
      : editing
        ? `Edit ${state.secret!.name}`
        : `New ${view.definition.name}`,
    environment,
    type: typeView(type, request.locale),
    lang: request.locale,
    editing,
    secret: state.secret,
    action,
    testAction: !environment && (state.testable ?? (!editing && type.testable)) ? `${action}/test` : undefined,
    generateAction: `${action}/generate`,
    // The copy button's script, for a value just generated.
    generated: state.generated !== undefined,
    report: state.report,
    conditions: type.definition.fields.some((f) => f.showWhen),
    lists: type.definition.fields.some((f) => f.style === 'pairs'),
    values: state.values ?? {},
    fields: picked,
    errors: state.error instanceof ValidationError ? errorsByPath(state.error) : {},
    formError:
      typeof state.error === 'string'
        ? state.error
        : state.error instanceof ValidationError && issues.every((i) => !i.path)
          ? state.error.message
          : undefined,
    facts: state.facts && Object.keys(state.facts).length > 0 ? state.facts : undefined,
  });
}
