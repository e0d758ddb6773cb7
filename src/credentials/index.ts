/** The credential-type framework: what type authors and services import. */
export { Credential, Field, createDecorators } from './decorators.ts';
export { MetadataStore, defaultMetadataStore, type CredentialClass } from './metadata.store.ts';
export { CredentialRegistry, type RegistryOptions } from './registry.ts';
export { CredentialType, type PublicFields } from './credential-type.ts';
export { loadCredentialTypes, builtInTypesDir } from './loader.ts';
export type { CredentialDefinition, FieldDefinition, CredentialHooks, ValidationContext, TypeSettings } from './definition.ts';
export type { FormModel, FormField } from './form-model.ts';
export { fieldStyles, type FieldStyle, type FieldOptions, type CredentialOptions, type FieldValue, type Pair, type Payload, type SharingRule } from './field-options.ts';
export { passwordStrength, type Strength } from './password-strength.ts';
