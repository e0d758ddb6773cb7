/** The local backend: services on the configured database, acting as Tresor itself. */
import { AccessDeniedError } from '../errors.ts';
import { systemPrincipal } from '../identity/principal.ts';
import { connectionJson } from '../oauth2/connection-view.ts';
import { usageOf } from '../secrets/secret-usage.ts';
import { isoDates } from '../text/iso-dates.ts';
import type { Tresor } from '../tresor.ts';
import type { SecretsBackend, TypeInfo } from './backend.ts';

export function localBackend(tresor: Tresor): SecretsBackend {
  const me = systemPrincipal;
  // As the API answers: dates in ISO form, the space by name.
  const info = async <T extends { spaceId: string }>(m: T) =>
    isoDates({ ...m, space: (await tresor.spaces.names.of([m.spaceId])).get(m.spaceId) ?? '' });
  return {
    types: async () =>
      tresor.registry.list().map(
        (t): TypeInfo => ({
          id: t.id,
          name: t.definition.name,
          description: t.definition.description,
          formModel: t.formModel,
        }),
      ),
    list: async (f) => {
      const items = await tresor.secrets.list(me, {
        limit: f.limit,
        ...(f.type ? { typeId: f.type } : {}),
        ...(f.text ? { text: f.text } : {}),
        ...(f.after ? { after: f.after } : {}),
        ...(f.space ? { space: f.space } : {}),
      });
      return Promise.all(items.map(info));
    },
    show: async (ref) => info(await tresor.secrets.describe(me, ref)),
    create: async ({ expiresAt, ...input }) => {
      const created = await tresor.secrets.create(me, {
        ...input,
        ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}),
      });
      return info(created);
    },
    update: async (ref, input) => {
      const { expiresAt, ...rest } = input;
      const result = await tresor.secrets.update(me, ref, {
        ...rest,
        merge: true,
        ...(expiresAt === undefined ? {} : { expiresAt: expiresAt === null ? null : new Date(expiresAt) }),
      });
      return { secret: await info(result.secret), changed: result.changed };
    },
    delete: async (ref, options) => void (await tresor.secrets.delete(me, ref, options?.force ? { force: true } : {})),
    noticeRecipients: (ref, replace) =>
      replace === undefined ? tresor.notices.recipients(me, ref) : tresor.notices.setRecipients(me, ref, replace),
    usage: async (ref) => usageOf(await tresor.stories.usage(me, ref)),
    shares: (ref) => tresor.shares.shares(me, ref),
    share: (ref, target) => tresor.shares.share(me, ref, target),
    unshare: (ref, shareId) => tresor.shares.unshare(me, ref, shareId),
    versions: async (ref, environment) =>
      (environment
        ? await tresor.secrets.environmentVersions(me, ref, environment)
        : await tresor.secrets.versions(me, ref)
      ).map(isoDates),
    compare: async (ref, from, to) => {
      const compared = await tresor.secrets.compare(me, ref, from, to);
      return {
        from: isoDates(compared.from),
        to: isoDates(compared.to),
        fields: compared.fields,
      };
    },
    rollback: async (ref, to, reason) =>
      info(await tresor.secrets.rollback(me, ref, to, reason === undefined ? {} : { reason })),
    // Tresor itself manages secrets but never uses their values (secret.policy.ts); a test is a use.
    test: async () => {
      throw new AccessDeniedError(
        'tresor secrets test runs as a user who may use the secret: give --url and --token (or run tresor login); ' +
          'local mode acts as Tresor itself, which never uses secret values',
      );
    },
    oauth2: async (ref) => {
      const { fields } = await tresor.secrets.describe(me, ref);
      return connectionJson(await tresor.oauth2.status(me, ref, fields));
    },
    forgetOAuth2: (ref) => tresor.oauth2.disconnect(me, ref),
  };
}
