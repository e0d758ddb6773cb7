/**
 * The one place decorators write to. Records are plain objects kept with reflect-metadata
 * on the class itself, under keys private to each store, so a test can create a fresh
 * store (and decorators bound to it) without touching the default one. Subclasses inherit
 * their parents' fields; a redeclared field overrides the parent's record.
 */
import 'reflect-metadata';
import type { CredentialOptions, FieldOptions } from './field-options.ts';

/** Any class usable as a credential type: constructible without arguments. */
export type CredentialClass<T extends object = object> = new () => T;

export interface FieldRecord {
  /** Property name on the class. */
  key: string;
  options: FieldOptions;
  /** Position among the declaring class's decorated fields, for default ordering. */
  declarationIndex: number;
}

export class MetadataStore {
  private readonly typeKey = Symbol('tresor:credential');
  private readonly fieldsKey = Symbol('tresor:fields');

  recordType(target: CredentialClass, options: CredentialOptions): void {
    Reflect.defineMetadata(this.typeKey, { ...options }, target);
  }

  recordField(target: CredentialClass, key: string, options: FieldOptions): void {
    const own: FieldRecord[] = Reflect.getOwnMetadata(this.fieldsKey, target) ?? [];
    Reflect.defineMetadata(
      this.fieldsKey,
      [...own, { key, options: { ...options }, declarationIndex: own.length }],
      target,
    );
  }

  typeOptions(target: CredentialClass): CredentialOptions | undefined {
    return Reflect.getOwnMetadata(this.typeKey, target) as CredentialOptions | undefined;
  }

  /**
   * Fields of the class and its ancestors, ancestors first; a redeclared key keeps the
   * subclass's record at the ancestor's position.
   */
  fields(target: CredentialClass): FieldRecord[] {
    const chain: object[] = [];
    for (let c: object | null = target; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
    const byKey = new Map<string, FieldRecord>();
    let offset = 0;
    for (const cls of chain) {
      const own: FieldRecord[] = Reflect.getOwnMetadata(this.fieldsKey, cls) ?? [];
      // A redeclared field keeps its ancestor's place in the form (unless it sets `order`).
      for (const record of own)
        byKey.set(record.key, {
          ...record,
          declarationIndex: byKey.get(record.key)?.declarationIndex ?? offset + record.declarationIndex,
        });
      offset += own.length;
    }
    return [...byKey.values()];
  }
}

/**
 * One store per process, even when two copies of Tresor are loaded (the sources through tsx
 * and the compiled dist/, or two installs in node_modules): a type decorated by either copy
 * is found by either registry, instead of a registry that silently knows no types.
 */
const shared = Symbol.for('tresor.credential-metadata');
const slot = globalThis as Record<symbol, MetadataStore | undefined>;
slot[shared] ??= new MetadataStore();
export const defaultMetadataStore: MetadataStore = slot[shared];
