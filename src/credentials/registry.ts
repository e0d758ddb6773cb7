/**
 * The registry of credential types. `register` builds and checks a class once; lookups
 * return the frozen, derived `CredentialType`. Each registry is independent, so tests
 * (and embedders) can build their own.
 */
import { NotFoundError, TypeDefinitionError } from '../errors.ts';
import { type Locale, sourceLocale } from '../i18n/locale.ts';
import { frameworkLocales } from '../i18n/messages.ts';
import { CredentialType } from './credential-type.ts';
import { buildDefinition } from './definition.builder.ts';
import { defaultTypeSettings, type HookRunner, type TypeSettings } from './definition.ts';
import { type CredentialClass, defaultMetadataStore, type MetadataStore } from './metadata.store.ts';

export interface RegistryOptions {
  store?: MetadataStore;
  settings?: Partial<TypeSettings>;
  /** Where types loaded from files run their slow hooks (a worker pool); absent: in-process. */
  hooks?: HookRunner;
}

export class CredentialRegistry {
  private readonly store: MetadataStore;
  private readonly settings: TypeSettings;
  private readonly hooks: HookRunner | undefined;
  private readonly byId = new Map<string, CredentialType>();
  private readonly byClass = new Map<CredentialClass, CredentialType>();
  private localeList: readonly Locale[] | undefined;

  constructor(options: RegistryOptions = {}) {
    this.store = options.store ?? defaultMetadataStore;
    this.settings = Object.freeze({ ...defaultTypeSettings, ...options.settings });
    this.hooks = options.hooks;
  }

  /**
   * Builds and checks a class. With `source` (the loader passes the module file and export
   * name), its slow hooks can run in the registry's worker pool.
   */
  register<T extends object>(
    ctor: CredentialClass<T>,
    source?: { moduleUrl: string; exportName: string },
  ): CredentialType<T> {
    const existing = this.byClass.get(ctor);
    if (existing) return existing as CredentialType<T>;
    const definition = buildDefinition(this.store, ctor);
    const clash = this.byId.get(definition.id);
    if (clash)
      throw new TypeDefinitionError(
        definition.className,
        undefined,
        `id "${definition.id}" is already used by ${clash.definition.className}`,
      );
    const runner = this.hooks;
    const type = new CredentialType<T>(definition, this.settings, source && runner ? { ...source, runner } : undefined);
    this.byId.set(definition.id, type as CredentialType);
    this.localeList = undefined;
    this.byClass.set(ctor, type as CredentialType);
    return type;
  }

  /** The type with this id; a clear not-found error otherwise. */
  get(id: string): CredentialType {
    const type = this.byId.get(id);
    if (!type) throw new NotFoundError(`Unknown credential type "${id}" (known: ${[...this.byId.keys()].join(', ')})`);
    return type;
  }

  find(id: string): CredentialType | undefined {
    return this.byId.get(id);
  }

  /** The registered type of a class, for typed use: `registry.of(Smtp).hydrate(...)` is an `Smtp`. */
  of<T extends object>(ctor: CredentialClass<T>): CredentialType<T> {
    const type = this.byClass.get(ctor);
    if (!type) throw new NotFoundError(`Credential class ${ctor.name} is not registered`);
    return type as CredentialType<T>;
  }

  list(): CredentialType[] {
    return [...this.byId.values()].sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  }

  /**
   * The locales Tresor can speak with these types, English first: what `Accept-Language` is
   * negotiated against and what a user may choose as their language. Worked out again after
   * each registration, so a type registered late is offered too.
   */
  locales(): readonly Locale[] {
    if (this.localeList) return this.localeList;
    const all = new Set<Locale>([sourceLocale, ...frameworkLocales]);
    for (const type of this.byId.values()) for (const locale of type.definition.locales) all.add(locale);
    this.localeList = Object.freeze([sourceLocale, ...[...all].filter((l) => l !== sourceLocale).sort()]);
    return this.localeList;
  }
}
