/**
 * `@Credential` and `@Field`: they only record what the developer wrote. Checking happens
 * when the class is registered (`CredentialRegistry.register`).
 */
import type { CredentialOptions, FieldOptions } from './field-options.ts';
import { type CredentialClass, defaultMetadataStore, type MetadataStore } from './metadata.store.ts';

export function createDecorators(store: MetadataStore) {
  /** Marks a class as a credential type. */
  function Credential(options: CredentialOptions) {
    return (target: CredentialClass): void => store.recordType(target, options);
  }

  /** Declares one input field of a credential type. */
  function Field(options: FieldOptions) {
    return (prototype: object, key: string | symbol): void => {
      if (typeof key !== 'string') throw new TypeError('@Field must decorate a string-named property');
      store.recordField(prototype.constructor as CredentialClass, key, options);
    };
  }

  return { Credential, Field };
}

export const { Credential, Field } = createDecorators(defaultMetadataStore);
