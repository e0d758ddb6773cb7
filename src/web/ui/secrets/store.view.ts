/** The store page's view model: its sortable columns, its page links and its rows (pure). */
import type { CredentialRegistry } from '../../../credentials/index.ts';
import { defaultSpaceId } from '../../../db/schema/spaces.ts';
import type { ListSort } from '../../../secrets/secret-inputs.ts';
import type { SecretMetadata } from '../../../secrets/secret-metadata.ts';
import { expiry } from './secret-views.ts';

export const storePageSize = 50;

/** The store's sortable columns: the order each sorts by, and how a screen reader names it. */
const sortColumns = [
  { sort: 'name', label: 'Name', direction: 'ascending' },
  { sort: 'updated', label: 'Updated', direction: 'descending' },
  { sort: 'used', label: 'Last used', direction: 'descending' },
  { sort: 'expires', label: 'Expiry', direction: 'ascending' },
] as const;

/** Query strings that keep the filter, with `extra` added. */
export const linkKeeping =
  (kept: Record<string, string>) =>
  (extra: Record<string, string>): string =>
    new URLSearchParams({ ...kept, ...extra }).toString();

export function storeColumns(sort: ListSort, link: (extra: Record<string, string>) => string) {
  return sortColumns.map((c) => ({
    ...c,
    href: link(c.sort === 'name' ? {} : { sort: c.sort }),
    current: c.sort === sort,
  }));
}

/**
 * The links to the next and previous pages. By name the pages follow the last name (stable
 * while secrets come and go); other orders count pages.
 */
export function storePages(
  list: readonly SecretMetadata[],
  position: { sort: ListSort; pageNumber: number; after: string },
  link: (extra: Record<string, string>) => string,
) {
  const full = list.length === storePageSize;
  const { sort, pageNumber } = position;
  return sort === 'name'
    ? { next: full ? link({ after: list.at(-1)!.name }) : undefined, first: position.after ? link({}) : undefined }
    : {
        next: full ? link({ sort, page: String(pageNumber + 1) }) : undefined,
        previous: pageNumber > 1 ? link({ sort, page: String(pageNumber - 1) }) : undefined,
      };
}

/** How the store marks who else reaches a secret (private, the common case, is not marked). */
const visibilityLabels = { private: undefined, space: 'space-wide', global: 'global' } as const;

/** A secret as a row of the store: its type's logo and name, whose it is, its expiry and connection. */
export function storeRow(
  m: SecretMetadata,
  context: {
    registry: CredentialRegistry;
    locale: string;
    me: string;
    needsReconnect: boolean;
    spaceNames: ReadonlyMap<string, string>;
  },
) {
  const type = context.registry.find(m.type);
  return {
    ...m,
    // Named as it is referred to: `payments/` before a name outside the default space.
    visibilityLabel: visibilityLabels[m.visibility],
    spacePrefix: m.spaceId === defaultSpaceId ? undefined : `${context.spaceNames.get(m.spaceId) ?? '?'}/`,
    logo: type?.definition.logo ?? 'generic.svg',
    typeName: type?.in(context.locale).definition.name ?? m.type,
    sharedWithMe: m.ownerId !== context.me,
    needsReconnect: context.needsReconnect,
    ...expiry(m),
  };
}
