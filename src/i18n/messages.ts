/**
 * Tresor's own validation messages, per locale. English is the source; every other
 * catalog must translate every message (the type says so), so a framework message is
 * never missing in a locale Tresor ships. A locale without a catalog gets English.
 *
 * Messages are phrased to follow a field's label ("Host is required"); none repeats a value
 * that was entered (it may be a secret).
 */
import { type Locale, languageOf } from './locale.ts';

const en = {
  required: 'is required',
  notAField: (key: string, type: string) => `"${key}" is not a field of ${type}`,
  credential: 'The credential',
  mustBeObject: 'must be an object of fields',
  invalidType: (type: string) => `Invalid ${type}`,
  mustBeText: 'must be text',
  notEmpty: 'must not be empty',
  atLeastCharacters: (n: number) => `must be at least ${n} characters`,
  atMostCharacters: (n: number) => `must be at most ${n} characters`,
  mustMatch: (pattern: string) => `must match ${pattern}`,
  webAddress: (prefixes: string) => `must be a web address starting with ${prefixes}`,
  or: 'or',
  pairName: 'must start with a letter or _ and use only letters, digits, _ . -',
  pairList: 'must be a list of name/value pairs',
  atLeastOnePair: 'add at least one name/value pair',
  atMostPairs: (n: number) => `must have at most ${n} pairs`,
  usedTwice: (name: string) => `"${name}" is used twice`,
  email: 'must be an e-mail address like name@example.com',
  pem: 'must be PEM text starting with -----BEGIN …-----',
  date: 'must be a date as YYYY-MM-DD',
  boolean: 'must be true or false',
  oneOf: (values: string) => `must be one of: ${values}`,
  secretName: 'must be the name of a secret',
  secretNameChars: 'must be the name of a secret (letters, digits, _ - .)',
  number: 'must be a number',
  wholeNumber: 'must be a whole number',
  atLeast: (n: number) => `must be at least ${n}`,
  atMost: (n: number) => `must be at most ${n}`,
  pairValueKept: (label: string, index: number, name: string) =>
    `${label} #${index} value must not be empty: nothing is stored for "${name}"`,
  /** What a message about one part of a name/value row is about: the row's value by the row's name when it has one. */
  pairPart: (label: string, row: number, part: string, name: string | undefined) =>
    part === 'value' && name ? `Value of "${name}"` : `${label}, row ${row}${part ? `, ${part}` : ''}`,
  reenterForDestination: (label: string, moved: string) =>
    `${label} must be entered again: ${moved} changed, and a stored secret is never sent to a new destination`,
  reenterTogether: (label: string, entered: string) =>
    `${label} must be entered again (or cleared): it is checked together with ${entered}`,
  keyCost: (message: string) => `${message}: check the key's cost (rounds, iterations) and size`,
  reenterToTest: (label: string, edited: string) =>
    `${label} must be entered again to test edited values (${edited}): a test never reads a stored secret ` +
    'beside values you chose',
};

export type Messages = typeof en;

const de: Messages = {
  required: 'ist erforderlich',
  notAField: (key, type) => `„${key}“ ist kein Feld von ${type}`,
  credential: 'Die Zugangsdaten',
  mustBeObject: 'müssen ein Objekt aus Feldern sein',
  invalidType: (type) => `Ungültig: ${type}`,
  mustBeText: 'muss Text sein',
  notEmpty: 'darf nicht leer sein',
  atLeastCharacters: (n) => `muss mindestens ${n} Zeichen lang sein`,
  atMostCharacters: (n) => `darf höchstens ${n} Zeichen lang sein`,
  mustMatch: (pattern) => `muss dem Muster ${pattern} entsprechen`,
  webAddress: (prefixes) => `muss eine Webadresse sein, die mit ${prefixes} beginnt`,
  or: 'oder',
  pairName: 'muss mit einem Buchstaben oder _ beginnen und darf nur Buchstaben, Ziffern, _ . - enthalten',
  pairList: 'muss eine Liste von Name/Wert-Paaren sein',
  atLeastOnePair: 'mindestens ein Name/Wert-Paar angeben',
  atMostPairs: (n) => `darf höchstens ${n} Paare haben`,
  usedTwice: (name) => `„${name}“ kommt zweimal vor`,
  email: 'muss eine E-Mail-Adresse wie name@example.com sein',
  pem: 'muss PEM-Text sein, der mit -----BEGIN …----- beginnt',
  date: 'muss ein Datum im Format JJJJ-MM-TT sein',
  boolean: 'muss wahr oder falsch sein',
  oneOf: (values) => `muss eines davon sein: ${values}`,
  secretName: 'muss der Name eines Secrets sein',
  secretNameChars: 'muss der Name eines Secrets sein (Buchstaben, Ziffern, _ - .)',
  number: 'muss eine Zahl sein',
  wholeNumber: 'muss eine ganze Zahl sein',
  atLeast: (n) => `muss mindestens ${n} sein`,
  atMost: (n) => `darf höchstens ${n} sein`,
  pairValueKept: (label, index, name) =>
    `${label} Nr. ${index}: Wert darf nicht leer sein, für „${name}“ ist nichts gespeichert`,
  pairPart: (label, row, part, name) =>
    part === 'value' && name
      ? `Wert von „${name}“`
      : `${label}, Zeile ${row}${part ? `, ${part === 'value' ? 'Wert' : part === 'name' ? 'Name' : part}` : ''}`,
  reenterForDestination: (label, moved) =>
    `${label} muss erneut eingegeben werden: ${moved} wurde geändert, und ein gespeichertes Secret wird nie an ` +
    'ein neues Ziel gesendet',
  reenterTogether: (label, entered) =>
    `${label} muss erneut eingegeben (oder geleert) werden: es wird zusammen mit ${entered} geprüft`,
  keyCost: (message) => `${message}: Kosten (Runden, Iterationen) und Größe des Schlüssels prüfen`,
  reenterToTest: (label, edited) =>
    `${label} muss erneut eingegeben werden, um geänderte Werte (${edited}) zu testen: ein Test liest ein ` +
    'gespeichertes Secret nie neben Werten, die Sie gewählt haben',
};

const catalogs: Readonly<Record<Locale, Messages>> = { en, de };

/** The locales Tresor's own messages are translated into. */
export const frameworkLocales: readonly Locale[] = Object.keys(catalogs);

export function messagesFor(locale: Locale): Messages {
  return catalogs[locale] ?? catalogs[languageOf(locale)] ?? en;
}
