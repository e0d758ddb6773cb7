/**
 * The rule for a login password — the first administrator's, one chosen through a link, one
 * changed on the account page, one the host's operator sets: the same as for a stored Password
 * secret (at least 12 characters, and a strength of TRESOR_PASSWORD_MIN_SCORE or more, judged
 * by the Password type's check with the e-mail address as a word it must not lean on). The
 * check runs where the type's slow hooks run — a worker, with a time budget — never on the
 * event loop. Without a Password type (a custom type set), the length rule alone applies.
 */
import type { CredentialRegistry } from '../credentials/index.ts';
import { ValidationError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { loginPasswordSchema } from './identity-rules.ts';

export interface LoginPasswords {
  /** The password, if it is acceptable for `email`'s login; a ValidationError naming `field` if not. */
  accept(password: unknown, email: string, field?: string): Promise<string>;
}

export function loginPasswords(registry: Pick<CredentialRegistry, 'find'>): LoginPasswords {
  return {
    async accept(password, email, field = 'password') {
      const accepted = parseField(loginPasswordSchema, password, field);
      const type = registry.find('password');
      if (!type?.inspects) return accepted;
      try {
        await type.inspect(type.parseCreate({ username: email, password: accepted }));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        // The check's own words ("Password is too weak (strength 1 of 4, at least 3 needed): …"), at this field.
        throw new ValidationError(error.issues.map((i) => ({ path: field, message: i.message })));
      }
      return accepted;
    },
  };
}
