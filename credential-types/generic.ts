/** Anything else: a free list of name/value pairs, every value secret. */

import type { Pair } from 'tresor';
import { Credential, Field } from 'tresor';

@Credential({
  id: 'generic',
  name: 'Generic secret',
  description: 'A free list of named values, for anything without a type of its own.',
  logo: 'generic.svg',
})
export class Generic {
  @Field({ label: 'Values', style: 'pairs', secret: true, help: 'Names are visible; values are secret.' })
  entries!: Pair[];

  /** The value of one entry, for modules. */
  get(name: string): string | undefined {
    return this.entries.find((e) => e.name === name)?.value;
  }
}
