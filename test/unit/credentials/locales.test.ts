/** Texts per locale: a type in German, its fallbacks, its errors worded in each locale, and what is left untranslated. */
import { describe, expect, it } from 'vitest';
import { createDecorators } from '../../../src/credentials/decorators.ts';
import { MetadataStore } from '../../../src/credentials/metadata.store.ts';
import { CredentialRegistry } from '../../../src/credentials/registry.ts';
import { knownLocales, missingTranslations } from '../../../src/credentials/translation-check.ts';
import { ValidationError } from '../../../src/errors.ts';
import { builtInRegistry } from '../../support/registry.ts';

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function fresh() {
  const store = new MetadataStore();
  return { ...createDecorators(store), registry: new CredentialRegistry({ store }) };
}

describe('credential types in more than one language', () => {
  const { Credential, Field, registry } = fresh();

  @Credential({
    id: 'mailbox',
    name: { en: 'Mailbox', de: 'Postfach' },
    description: { en: 'An IMAP mailbox.', de: 'Ein IMAP-Postfach.' },
    logo: 'generic.svg',
  })
  class Mailbox {
    @Field({
      label: { en: 'Host', de: 'Server' },
      help: 'Only in English.',
      pattern: /^[a-z.]+$/,
      patternMessage: { en: 'must be lowercase letters and dots', de: 'darf nur Kleinbuchstaben und Punkte enthalten' },
    })
    host!: string;

    @Field({
      label: { en: 'Mode', de: 'Modus' },
      style: 'select',
      options: [
        { value: 'ssl', label: { en: 'Encrypted', de: 'Verschlüsselt' } },
        { value: 'plain', label: 'Plain' },
      ],
      default: 'ssl',
    })
    mode!: string;

    @Field({ label: { en: 'Port', de: 'Port' }, style: 'number', optional: true, min: 1, max: 65535 })
    port!: number;
  }
  const type = registry.register(Mailbox);

  it('derives the form model and the JSON Schema in the chosen locale, English where nothing is given', () => {
    const de = type.in('de');
    expect(de.definition.name).toBe('Postfach');
    expect(de.formModel.name).toBe('Postfach');
    expect(de.formModel.fields.map((f) => f.label)).toEqual(['Server', 'Modus', 'Port']);
    expect(de.formModel.fields[0]!.help).toBe('Only in English.');
    expect(de.formModel.fields[1]!.options).toEqual([
      { value: 'ssl', label: 'Verschlüsselt' },
      { value: 'plain', label: 'Plain' },
    ]);
    const schema = de.jsonSchema as {
      title: string;
      description: string;
      properties: Record<string, { title: string }>;
    };
    expect(schema.title).toBe('Postfach');
    expect(schema.description).toBe('Ein IMAP-Postfach.');
    expect(schema.properties.host!.title).toBe('Server');
    // The English type is unchanged, a regional tag falls back to its language, an unknown locale to English.
    expect(type.formModel.fields[0]!.label).toBe('Host');
    expect(type.in('de-CH').formModel.fields[0]!.label).toBe('Server');
    expect(type.in('fr').formModel.fields[0]!.label).toBe('Host');
    expect(type.definition.locales).toEqual(['en', 'de']);
  });

  it('words a validation error in every locale it knows; the English one stays the message', () => {
    const error = thrown(() => type.parseCreate({ host: 'UPPER', port: 0, colour: 'red' })) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('host: Host must be lowercase letters and dots');
    const de = error.in('de');
    expect(de.prefix).toBe('Ungültig: Postfach');
    expect(Object.fromEntries(de.issues.map((i) => [i.path, i.message]))).toEqual({
      host: 'Server darf nur Kleinbuchstaben und Punkte enthalten',
      port: 'Port muss mindestens 1 sein',
      colour: '„colour“ ist kein Feld von Postfach',
    });
    expect(thrown(() => type.parseCreate({})) as ValidationError).toSatisfy(
      (e: ValidationError) => e.in('de').issues[0]?.message === 'Server ist erforderlich',
    );
    // A locale nobody translated into answers in English.
    expect(error.in('fr')).toBe(error);
  });

  it('words the update rules (re-entry of secrets) in German too', async () => {
    const smtp = (await builtInRegistry()).get('smtp');
    const stored = { host: 'mail.example.com', port: 587, security: 'starttls', username: 'u', password: 'p' };
    const error = thrown(() =>
      smtp.parseUpdate({ host: 'evil.example.net', port: 587, username: 'u' }, stored),
    ) as ValidationError;
    expect(error.issues[0]!.message).toMatch(/^Password must be entered again: Host changed/);
    expect(error.in('de').prefix).toBe('Ungültig: SMTP-Postausgangsserver');
    expect(error.in('de').issues[0]!.message).toMatch(/^Passwort muss erneut eingegeben werden: Server wurde geändert/);
  });

  it('lists what falls back to English, per locale', () => {
    expect(missingTranslations([type], ['de'])).toEqual([
      { type: 'mailbox', locale: 'de', text: 'fields.host.help', english: 'Only in English.' },
      { type: 'mailbox', locale: 'de', text: 'fields.mode.options.plain', english: 'Plain' },
    ]);
    expect(knownLocales([type])).toEqual(['de']);
    expect(missingTranslations([type], ['fr']).length).toBe(9);
  });

  it('has every built-in type fully in German', async () => {
    const registry = await builtInRegistry();
    expect(missingTranslations(registry.list(), ['de'])).toEqual([]);
    expect(registry.get('smtp').in('de').definition.name).toBe('SMTP-Postausgangsserver');
  });

  it('refuses texts without English, with a locale that is none, or empty', () => {
    const bad = fresh();
    @bad.Credential({ id: 'no-en', name: { de: 'Nur Deutsch' } as never, description: 'x', logo: 'generic.svg' })
    class NoEnglish {
      @bad.Field({ label: 'A' }) a!: string;
    }
    expect(thrown(() => bad.registry.register(NoEnglish)).message).toBe(
      'Credential type NoEnglish: name needs its English text (en): it is the fallback of every locale',
    );
    @bad.Credential({ id: 'bad-locale', name: 'x', description: 'x', logo: 'generic.svg' })
    class BadLocale {
      @bad.Field({ label: { en: 'A', German: 'B' } }) a!: string;
    }
    expect(thrown(() => bad.registry.register(BadLocale)).message).toBe(
      'Credential type BadLocale.a: label names "German", which is not a locale like de or pt-BR',
    );
    @bad.Credential({ id: 'empty-de', name: 'x', description: 'x', logo: 'generic.svg' })
    class EmptyGerman {
      @bad.Field({ label: 'A', help: { en: 'Help', de: ' ' } }) a!: string;
    }
    expect(thrown(() => bad.registry.register(EmptyGerman)).message).toBe(
      'Credential type EmptyGerman.a: help in de must be non-empty text',
    );
  });
});
