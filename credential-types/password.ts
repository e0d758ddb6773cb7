/** A username and password, with a strength check whose minimum is configurable. */

import type { CredentialHooks, TestCheck, TestContext, TypeSettings, ValidationContext } from 'tresor';
import { Credential, Field, failed, passed, passwordStrength } from 'tresor';

@Credential({
  id: 'password',
  name: { en: 'Password', de: 'Passwort' },
  description: {
    en: 'A password, optionally with the username it belongs to.',
    de: 'Ein Passwort, wahlweise mit dem zugehörigen Benutzernamen.',
  },
  logo: 'password.svg',
})
export class Password implements CredentialHooks {
  /** With a minimum strength of 0 every password passes: no worker is started to score it. */
  static verifies(settings: TypeSettings): boolean {
    return settings.passwordMinScore > 0;
  }

  @Field({ label: { en: 'Username', de: 'Benutzername' }, optional: true, maxLength: 320 })
  username?: string;

  // Generated: 24 characters of every class, drawn again until strong (so any minimum is met).
  @Field({ label: { en: 'Password', de: 'Passwort' }, style: 'secret', maxLength: 1_000, generate: { length: 24 } })
  password!: string;

  /**
   * The strength check is `verify`, not `validate`: zxcvbn costs up to seconds of CPU on a long
   * password, so it runs where slow hooks run (the hook worker, with a time budget).
   */
  verify({ settings }: ValidationContext) {
    const { score, hint } = passwordStrength(this.password, this.username ? [this.username] : []);
    if (score >= settings.passwordMinScore) return [];
    return [
      {
        path: 'password',
        message:
          `Password is too weak (strength ${score} of 4, at least ${settings.passwordMinScore} ` +
          `needed)${hint ? `: ${hint}` : ''}`,
      },
    ];
  }

  /**
   * The strength against today's minimum (TRESOR_PASSWORD_MIN_SCORE may have been raised since
   * it was saved), judged by `verify` in the hook worker.
   */
  async test({ settings, verify }: TestContext): Promise<TestCheck[]> {
    const issues = await verify();
    const needed = `at least ${settings.passwordMinScore} of 4 needed`;
    return [
      issues.length === 0
        ? passed('Strength', `Strong enough (${needed})`)
        : failed('Strength', issues.map((i) => i.message).join('; ')),
    ];
  }
}
