/** The credential-type framework: what type authors and services import. */

export type { Connections, FreshToken } from './connection.ts';
export {
  type CheckStatus,
  destinationCheck,
  failed,
  notTried,
  passed,
  skipped,
  type TestCheck,
  type TestContext,
  type TestReport,
  unreachable,
} from './connection-test.ts';
export { CredentialType, type PublicFields, type TestEnvironment } from './credential-type.ts';
export { Credential, createDecorators, Field } from './decorators.ts';
export type {
  CredentialDefinition,
  CredentialHooks,
  FieldDefinition,
  HookRunner,
  TypeSettings,
  ValidationContext,
  VerifiesWhen,
} from './definition.ts';
export { expiryChecks, expiryWarningDays, validFromCheck } from './expiry-checks.ts';
export {
  type Authenticate,
  type CredentialOptions,
  type FieldOptions,
  type FieldStyle,
  type FieldValue,
  fieldStyles,
  type Pair,
  type Payload,
  type SharingRule,
} from './field-options.ts';
export type { FormField, FormModel } from './form-model.ts';
export { type KeyCost, keyCost, keyCostLimits, keyCostProblem, type PemBlock, pemBlocks } from './key-cost.ts';
export { type CredentialClass, defaultMetadataStore, MetadataStore } from './metadata.store.ts';
export { passwordStrength, type Strength } from './password-strength.ts';
export { CredentialRegistry, type RegistryOptions } from './registry.ts';
