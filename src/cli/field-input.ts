/**
 * Field values from the command line, typed by the type's form model: -s VALUE (the single
 * secret field; `-s -` reads it from standard input), -f FILE (its value read from a file),
 * --field key=value (repeatable; key=@path reads a file, key=@- standard input), --pair
 * NAME=VALUE for name/value types; the rest is asked for interactively (secret fields without
 * echo) when a terminal is attached. A secret value written on the command line itself is
 * readable by every local user in the process list: it works, with a warning naming the
 * safer ways.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { ValidationError } from '../errors.ts';
import type { TypeInfo } from './backend.ts';
import { askHidden, readStdin } from './prompt.ts';

export interface FieldFlags {
  secret?: string;
  file?: string;
  field?: string[];
  pair?: string[];
  generate?: string[];
}

type Field = TypeInfo['formModel']['fields'][number];

function typed(field: Field, raw: string): unknown {
  if (field.input === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw ValidationError.field(`fields.${field.key}`, `${field.label} must be a number (--field ${field.key}=…)`);
    return n;
  }
  if (field.input === 'checkbox') return ['true', 'yes', '1', 'on'].includes(raw.toLowerCase());
  return raw;
}

function readValueFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw ValidationError.field(flag, `Cannot read ${path}`);
  }
}

const onArgv = (flag: string) =>
  `warning: the secret given with ${flag} is readable by every local user in the process list; ` +
  'prefer the prompt, standard input (-s - or --field key=@-) or a file (-f, --field key=@path)';

export async function fieldsFromFlags(
  type: TypeInfo,
  flags: FieldFlags,
  warn: (line: string) => void = () => {},
): Promise<Record<string, unknown>> {
  const fields = type.formModel.fields;
  const out: Record<string, unknown> = {};
  let stdinTaken = false;
  /** Standard input, once per command (a second flag asking for it is refused). */
  const fromStdin = async (flag: string) => {
    if (stdinTaken) throw ValidationError.field(flag, 'Only one value can be read from standard input');
    stdinTaken = true;
    return readStdin();
  };
  const single = () => {
    const secrets = fields.filter((f) => f.secret && f.input !== 'pairs');
    if (secrets.length === 0)
      throw ValidationError.field('secret', `${type.name} has no single secret field; use --field or --pair`);
    // Several secret fields (a key and its passphrase): -s/-f set the first, the main one.
    return secrets[0]!;
  };
  if (flags.secret === '-') out[single().key] = await fromStdin('secret');
  else if (flags.secret !== undefined) {
    warn(onArgv('-s'));
    out[single().key] = flags.secret;
  }
  if (flags.file !== undefined) out[single().key] = readValueFile(flags.file, 'file');
  for (const assignment of flags.field ?? []) {
    const at = assignment.indexOf('=');
    if (at < 1)
      throw ValidationError.field(
        'field',
        '--field takes key=value (the value is not repeated here: it may be a secret)',
      );
    const key = assignment.slice(0, at);
    const raw = assignment.slice(at + 1);
    const field = fields.find((f) => f.key === key);
    if (!field)
      throw ValidationError.field(
        `fields.${key}`,
        `${type.name} has no field "${key}" (fields: ${fields.map((f) => f.key).join(', ')})`,
      );
    if (raw === '@-') out[key] = typed(field, await fromStdin(`fields.${key}`));
    else if (raw.startsWith('@')) out[key] = typed(field, readValueFile(raw.slice(1), `fields.${key}`));
    else {
      if (field.secret) warn(onArgv(`--field ${key}=…`));
      out[key] = typed(field, raw);
    }
  }
  if (flags.pair && flags.pair.length > 0) {
    const pairsField = fields.find((f) => f.input === 'pairs');
    if (!pairsField) throw ValidationError.field('pair', `${type.name} has no name/value list; use --field`);
    warn(onArgv('--pair'));
    out[pairsField.key] = flags.pair.map((p) => {
      const at = p.indexOf('=');
      if (at < 1)
        throw ValidationError.field(
          'pair',
          '--pair takes NAME=VALUE (the value is not repeated here: it may be a secret)',
        );
      return { name: p.slice(0, at), value: p.slice(at + 1) };
    });
  }
  return out;
}

/** Asks for required fields still missing, when a terminal is attached (secret ones without echo). */
/** Asks on a terminal for the required fields not given (nor generated: `generated` names those). */
export async function promptMissing(
  type: TypeInfo,
  fields: Record<string, unknown>,
  generated: readonly string[] = [],
): Promise<Record<string, unknown>> {
  if (!process.stdin.isTTY) return fields;
  const missing = type.formModel.fields.filter(
    (f) => f.required && fields[f.key] === undefined && f.input !== 'pairs' && !generated.includes(f.key),
  );
  if (missing.length === 0) return fields;
  const out = { ...fields };
  for (const field of missing) {
    if (field.secret) out[field.key] = typed(field, await askHidden(`${field.label}: `));
    else {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      out[field.key] = typed(field, await rl.question(`${field.label}: `));
      rl.close();
    }
  }
  return out;
}
