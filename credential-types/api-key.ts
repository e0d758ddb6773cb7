/** An API key, optionally with the date it expires (which becomes the secret's expiry). */
import type { TestCheck, TestContext } from 'tresor';
import { Credential, expiryChecks, Field, skipped } from 'tresor';

@Credential({
  id: 'api-key',
  name: { en: 'API key', de: 'API-Schlüssel' },
  description: {
    en: 'A single key or token for an HTTP API.',
    de: 'Ein einzelner Schlüssel oder Token für eine HTTP-API.',
  },
  logo: 'api-key.svg',
  expiresFrom: 'expiresOn',
})
export class ApiKey {
  @Field({ label: { en: 'Key', de: 'Schlüssel' }, style: 'secret' })
  key!: string;

  @Field({
    label: { en: 'Expires on', de: 'Läuft ab am' },
    style: 'date',
    optional: true,
    help: {
      en: 'Tresor warns before this date and refuses to hand out the key after it.',
      de: 'Tresor warnt vor diesem Datum und gibt den Schlüssel danach nicht mehr heraus.',
    },
  })
  expiresOn?: string;

  /** The key's own expiry: passed, within 30 days, or over (the key itself is sent nowhere). */
  test({ now }: TestContext): TestCheck[] {
    if (!this.expiresOn) return [skipped('Not expired', 'No expiry date is set')];
    return expiryChecks(new Date(`${this.expiresOn}T23:59:59.999Z`), now);
  }
}
