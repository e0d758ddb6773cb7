/**
 * `@Credential` and `@Field`: they only record what the developer wrote. Checking happens
 * when the class is registered (`CredentialRegistry.register`).
 *
 * Both decorator flavours work, whichever the author's compiler emits: legacy decorators
 * (`experimentalDecorators`, what Tresor's own types use) are called with the prototype and
 * the property name; standard (TC39) decorators with a context object, and the class only
 * reaches its class decorator. A standard `@Field` keeps its record in the class's decorator
 * metadata until `@Credential` writes the class's fields to the store.
 */
import type { CredentialOptions, FieldOptions } from './field-options.ts';
import { type CredentialClass, defaultMetadataStore, type MetadataStore } from './metadata.store.ts';

// Standard decorators hand each class a metadata object only where `Symbol.metadata` exists
// (TypeScript's output checks for it; Node.js 20 lacks it). The type file imports 'tresor' first,
// so this is in place before its class is declared; esbuild and tsx use the same registered symbol.
const symbols = Symbol as { metadata?: symbol };
symbols.metadata ??= Symbol.for('Symbol.metadata');

/** Where standard `@Field`s of a class wait for its `@Credential`: the class's own decorator metadata. */
const pendingFields = Symbol('tresor:pending-fields');

interface StandardContext {
  kind: string;
  name: string | symbol;
  private?: boolean;
  static?: boolean;
  metadata?: Record<PropertyKey, unknown>;
}

const isStandardContext = (value: unknown): value is StandardContext =>
  typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;

const settings =
  'set "experimentalDecorators": true in your tsconfig.json (legacy decorators), or leave it out (standard ' +
  'decorators, TypeScript 5 and later): both work';

export function createDecorators(store: MetadataStore) {
  /** Marks a class as a credential type. */
  function Credential(options: CredentialOptions) {
    return (target: CredentialClass, context?: unknown): void => {
      if (isStandardContext(context)) {
        if (context.kind !== 'class') throw new TypeError(`@Credential decorates a class, not a ${context.kind}`);
        // Own records only: a parent's fields are its own class's (the store walks the chain).
        const own = context.metadata && Object.hasOwn(context.metadata, pendingFields) ? context.metadata : undefined;
        for (const [key, fieldOptions] of (own?.[pendingFields] as [string, FieldOptions][] | undefined) ?? [])
          store.recordField(target, key, fieldOptions);
      } else if (typeof target !== 'function' || context !== undefined)
        throw new TypeError(`@Credential was called as no decorator flavour calls it: ${settings}`);
      store.recordType(target, options);
    };
  }

  /** Declares one input field of a credential type. */
  function Field(options: FieldOptions) {
    return (prototype: object | undefined, key: string | symbol | StandardContext): void => {
      if (isStandardContext(key)) {
        if (key.kind !== 'field' && key.kind !== 'accessor')
          throw new TypeError(`@Field decorates a field (a class property), not a ${key.kind}`);
        if (typeof key.name !== 'string' || key.private || key.static)
          throw new TypeError('@Field must decorate a public instance property with a string name');
        if (!key.metadata)
          throw new TypeError(
            `@Field on "${key.name}" found no decorator metadata: import 'tresor' before declaring the class, ` +
              `or ${settings}`,
          );
        const own = Object.hasOwn(key.metadata, pendingFields)
          ? (key.metadata[pendingFields] as [string, FieldOptions][])
          : [];
        key.metadata[pendingFields] = [...own, [key.name, options]];
        return;
      }
      if (typeof key !== 'string') throw new TypeError('@Field must decorate a string-named property');
      if (typeof prototype !== 'object' || prototype === null)
        throw new TypeError(`@Field was called as no decorator flavour calls it: ${settings}`);
      store.recordField(prototype.constructor as CredentialClass, key, options);
    };
  }

  return { Credential, Field };
}

export const { Credential, Field } = createDecorators(defaultMetadataStore);
