/**
 * The form model: everything a template needs to render a type's form without knowing
 * the type. Secret fields never carry a default or a value.
 */
import type { CredentialDefinition, FieldConstraints } from './definition.ts';
import type { FieldStyle, FieldValue, SelectOption, ShowWhen } from './field-options.ts';

export interface FormField {
  key: string;
  label: string;
  help: string | undefined;
  style: FieldStyle;
  /** The HTML input type the style maps to (textarea for multi-line styles). */
  input: 'text' | 'password' | 'textarea' | 'number' | 'select' | 'checkbox' | 'date' | 'url' | 'email' | 'pairs';
  secret: boolean;
  required: boolean;
  default: FieldValue | undefined;
  placeholder: string | undefined;
  options: readonly SelectOption[] | undefined;
  constraints: FieldConstraints;
  /** For `secretRef`: the type of secret to name. */
  refType: string | undefined;
  /** Tresor can generate this secret field's value (the form offers Generate). */
  generates: boolean;
  /** Shown only when these fields hold one of these values (the server drops it otherwise). */
  showWhen: ShowWhen | undefined;
}

export interface FormModel {
  typeId: string;
  name: string;
  description: string;
  logo: string;
  fields: readonly FormField[];
}

const inputOf: Record<FieldStyle, FormField['input']> = {
  text: 'text',
  secret: 'password',
  multiline: 'textarea',
  number: 'number',
  select: 'select',
  checkbox: 'checkbox',
  date: 'date',
  url: 'url',
  email: 'email',
  pem: 'textarea',
  pairs: 'pairs',
  secretRef: 'text',
};

export function deriveFormModel(definition: CredentialDefinition): FormModel {
  return {
    typeId: definition.id,
    name: definition.name,
    description: definition.description,
    logo: definition.logo,
    fields: definition.fields.map((f) => ({
      key: f.key,
      label: f.label,
      help: f.help,
      style: f.style,
      input: inputOf[f.style],
      secret: f.secret,
      required: !f.optional,
      default: f.secret ? undefined : f.default,
      placeholder: f.placeholder,
      options: f.options,
      constraints: f.constraints,
      refType: f.refType,
      generates: f.generate !== undefined,
      showWhen: f.showWhen,
    })),
  };
}
