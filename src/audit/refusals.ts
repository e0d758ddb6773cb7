/** Requests refused where they were read, before any service saw them: on the trail all the same. */
import { type Principal, systemPrincipal } from '../identity/principal.ts';
import type { AuditWriter } from './audit.service.ts';

export function requestRefusalsFactory({ audit }: { audit: Pick<AuditWriter, 'write'> }) {
  return {
    /**
     * Text that is not well-formed Unicode at `field` of a request to `route` (its pattern,
     * never the URL as sent). The actor is the signed-in user when one is known.
     */
    malformed(actor: Principal | undefined, route: string, field: string): Promise<void> {
      return audit.write({
        actor: actor ?? systemPrincipal,
        outcome: 'denied',
        event: {
          action: 'request.refused',
          target: { id: null, name: route },
          details: { field, reason: 'malformed-text' },
        },
      });
    },
  };
}

export type RequestRefusals = ReturnType<typeof requestRefusalsFactory>;
