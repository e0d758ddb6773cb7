import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secretsPageSchema } from '../../src/web/api/schemas.ts';
import { serializerCompiler } from '../../src/web/serializer.ts';

const compile = (schema: z.ZodType) =>
  serializerCompiler({ schema, method: 'GET', url: '/', httpStatus: '200' }) as (data: unknown) => string;

describe('response serialisation', () => {
  it('writes only the keys a plain schema lists, in pages of items too', () => {
    const write = compile(
      z.object({
        items: z.array(z.object({ id: z.string(), lastUsedAt: z.string().nullable() })),
        next: z.string().nullable(),
      }),
    );
    const out = JSON.parse(
      write({ items: [{ id: 'a', lastUsedAt: null, password: 'CANARY' }], next: null, token: 'CANARY' }),
    );
    expect(out).toEqual({ items: [{ id: 'a', lastUsedAt: null }], next: null });
  });

  it('strips unlisted keys inside a choice between structures as well (zod serialiser)', () => {
    const write = compile(
      z.object({ fields: z.record(z.string(), z.union([z.string(), z.array(z.object({ name: z.string() }))])) }),
    );
    const out = JSON.parse(write({ fields: { host: 'h', pairs: [{ name: 'x', value: 'CANARY' }] } }));
    expect(out).toEqual({ fields: { host: 'h', pairs: [{ name: 'x' }] } });
  });

  it('refuses a response that lacks a required key instead of sending half of it', () => {
    const write = compile(z.object({ id: z.string(), name: z.string() }));
    expect(() => write({ id: 'a' })).toThrow();
  });

  it('writes the Dates of a listing in ISO form, as the API documents them (metadataJson passes them as they are)', () => {
    const write = compile(secretsPageSchema);
    const at = new Date('2026-03-04T05:06:07.089Z');
    const item = {
      id: '6f1c1c1e-0000-4000-8000-000000000001',
      name: 'n',
      space: 'default',
      spaceId: '00000000-0000-4000-8000-000000000001',
      visibility: 'private',
      description: '',
      type: 'api-key',
      ownerId: null,
      version: 1,
      createdAt: at,
      createdBy: null,
      updatedAt: at,
      updatedBy: null,
      expiresAt: null,
      lastUsedAt: at,
    };
    const out = JSON.parse(write({ items: [item], next: null }));
    expect(out.items[0]).toMatchObject({
      createdAt: '2026-03-04T05:06:07.089Z',
      lastUsedAt: '2026-03-04T05:06:07.089Z',
      expiresAt: null,
    });
  });

  it('writes a frozen answer once and keeps writing it the same, stripped; an answer not frozen is written each time', () => {
    const write = compile(z.object({ items: z.array(z.object({ id: z.string() })), next: z.string().nullable() }));
    const frozen = Object.freeze({ items: [{ id: 'a', token: 'CANARY' }], next: null });
    const first = write(frozen);
    expect(JSON.parse(first)).toEqual({ items: [{ id: 'a' }], next: null });
    // Kept by identity: the same frozen object answers with the JSON written the first time.
    frozen.items[0]!.id = 'changed-inside';
    expect(write(frozen)).toBe(first);
    // Another frozen page is its own answer.
    expect(JSON.parse(write(Object.freeze({ items: [{ id: 'b' }], next: 'b' })))).toEqual({
      items: [{ id: 'b' }],
      next: 'b',
    });
    const open: { items: { id: string }[]; next: null } = { items: [{ id: 'a' }], next: null };
    write(open);
    open.items[0]!.id = 'c';
    expect(JSON.parse(write(open)).items[0].id).toBe('c');
  });
});
