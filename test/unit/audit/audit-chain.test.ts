import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainHash, contentOf, genesisHash } from '../../../src/audit/audit-chain.ts';
import { canonicalJson } from '../../../src/text/canonical-json.ts';

const nullableText = fc.option(fc.string({ unit: 'binary' }), { nil: null });
const row = fc.record({
  at: fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }),
  actorId: fc.option(fc.uuid(), { nil: null }),
  actorLabel: fc.string({ unit: 'binary' }),
  principal: nullableText,
  action: fc.string(),
  targetId: nullableText,
  targetName: nullableText,
  outcome: fc.constantFrom('success', 'denied', 'failure'),
  module: nullableText,
  requestId: nullableText,
  clientAddress: nullableText,
  details: fc.jsonValue(),
});

describe('audit chain content', () => {
  it('is the canonical JSON of the row, whatever its text and details', () => {
    fc.assert(
      fc.property(row, (r) => {
        const { at, ...rest } = r;
        expect(contentOf(r)).toBe(canonicalJson({ ...rest, at: at.toISOString() }));
      }),
      { numRuns: 500 },
    );
  });

  it('changes the hash when any column changes', () => {
    const base = {
      at: new Date(0),
      actorId: null,
      actorLabel: 'system',
      principal: null,
      action: 'secret.used',
      targetId: 'a',
      targetName: 'n',
      outcome: 'success',
      module: null,
      requestId: null,
      clientAddress: null,
      details: { v: 1 },
    };
    const hash = chainHash(genesisHash, contentOf(base));
    for (const [key, value] of Object.entries({
      actorLabel: 'user:x',
      principal: 'group:g',
      action: 'secret.deleted',
      targetId: 'b',
      targetName: 'm',
      outcome: 'denied',
      module: 'mail',
      requestId: 'r',
      clientAddress: '::1',
      details: { v: 2 },
      at: new Date(1),
    })) {
      expect(chainHash(genesisHash, contentOf({ ...base, [key]: value })).equals(hash), key).toBe(false);
    }
  });
});
