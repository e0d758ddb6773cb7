/**
 * secretRef fields: at save time each must name a secret the saver may use, of the type the
 * field declares. The check itself (access, expiry) is the use service's.
 */
import type { CredentialRegistry, CredentialType } from '../credentials/index.ts';
import { ExpiredError, NotFoundError, ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { ReferenceChecker } from './secret-inputs.ts';
import { defaultSpaceName } from './secret-rules.ts';

export function referenceChecks(registry: CredentialRegistry, check: ReferenceChecker) {
  return async function checkReferences(
    principal: Principal,
    type: CredentialType,
    payload: Record<string, unknown>,
  ): Promise<void> {
    const issues: { path: string; message: string }[] = [];
    for (const field of type.definition.fields.filter((f) => f.style === 'secretRef')) {
      const name = payload[field.key];
      if (typeof name !== 'string') continue;
      try {
        // A stored bare name means the installation's default space (whoever reads the configuration later), not
        // the saver's own default: checked as such.
        const { typeId } = await check(principal, name.includes('/') ? name : `${defaultSpaceName}/${name}`);
        if (field.refType && typeId !== field.refType)
          issues.push({
            path: `fields.${field.key}`,
            message:
              `${field.label}: "${name}" is a ${registry.find(typeId)?.definition.name ?? typeId}, not a ` +
              `${registry.find(field.refType)?.definition.name ?? field.refType}`,
          });
      } catch (error) {
        if (error instanceof NotFoundError)
          issues.push({
            path: `fields.${field.key}`,
            message: `${field.label}: no secret named "${name}" that you may use`,
          });
        else if (error instanceof ExpiredError)
          issues.push({ path: `fields.${field.key}`, message: `${field.label}: secret "${name}" has expired` });
        else throw error;
      }
    }
    if (issues.length > 0) throw new ValidationError(issues, `Invalid ${type.definition.name}`);
  };
}
