/** Anything else: a free list of name/value pairs, every value secret. */

import type { Pair } from 'tresor';
import { Credential, Field } from 'tresor';

@Credential({
  id: 'generic',
  name: { en: 'Generic secret', de: 'Allgemeines Secret' },
  description: {
    en: 'A free list of named values, for anything without a type of its own.',
    de: 'Eine freie Liste benannter Werte, für alles ohne eigenen Typ.',
  },
  logo: 'generic.svg',
})
export class Generic {
  @Field({
    label: { en: 'Values', de: 'Werte' },
    style: 'pairs',
    secret: true,
    help: { en: 'Names are visible; values are secret.', de: 'Namen sind sichtbar, Werte bleiben geheim.' },
  })
  entries!: Pair[];

  /** The value of one entry, for modules. */
  get(name: string): string | undefined {
    return this.entries.find((e) => e.name === name)?.value;
  }
}
