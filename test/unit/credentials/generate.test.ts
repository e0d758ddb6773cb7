import { describe, expect, it } from 'vitest';
import { generateValue, generatorProblem } from '../../../src/credentials/generate.ts';
import { CredentialRegistry, createDecorators, MetadataStore } from '../../../src/credentials/index.ts';
import { passwordStrength } from '../../../src/credentials/password-strength.ts';
import { builtInRegistry } from '../../support/registry.ts';

describe('generated values', () => {
  it('makes text of the asked length with every class at least once', () => {
    for (let i = 0; i < 200; i++) {
      const value = generateValue({ length: 12 });
      expect(value).toHaveLength(12);
      for (const cls of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(value).toMatch(cls);
      expect(value).not.toMatch(/["'\\`\s]/);
    }
    expect(generateValue({ length: 16, classes: ['digits'] })).toMatch(/^\d{16}$/);
  });

  it('draws characters evenly (no modulo bias): a chi-square test over 260,000 lower-case letters', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++)
      for (const c of generateValue({ length: 260, classes: ['lower'] })) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(26);
    const expected = 260_000 / 26;
    const chi = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 25 degrees of freedom: 77 is p ≈ 1e-7; a bias as small as a modulo of 256 by 26 (~0.4 %) lands far above.
    expect(chi).toBeLessThan(77);
  });

  it('makes random bytes in the asked format', () => {
    expect(Buffer.from(generateValue({ format: 'base64', bytes: 32 }), 'base64')).toHaveLength(32);
    expect(generateValue({ format: 'hex', bytes: 16 })).toMatch(/^[0-9a-f]{32}$/);
    expect(generateValue({ format: 'base64url', bytes: 24 })).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('refuses generators that cannot be used, and generate on fields that are not secret text', () => {
    expect(generatorProblem({ length: 4 })).toMatch(/from 12 to 1024/);
    expect(generatorProblem({ length: 16, classes: [] })).toMatch(/at least one class/);
    expect(generatorProblem({ format: 'hex', bytes: 8 })).toMatch(/from 16 to 1024/);
    const store = new MetadataStore();
    const registry = new CredentialRegistry({ store });
    const { Credential, Field } = createDecorators(store);
    @Credential({ id: 'plain-generated', name: 'P', description: 'd', logo: 'generic.svg' })
    class PlainGenerated {
      @Field({ label: 'Name', generate: { length: 16 } }) name!: string;
    }
    expect(() => registry.register(PlainGenerated)).toThrow(/generate applies to secret text fields/);
  });

  it('gives the password type a value that meets its strength minimum, never one it would refuse', async () => {
    const password = (await builtInRegistry()).get('password');
    for (let i = 0; i < 20; i++) {
      const fields = password.withGenerated({ username: 'app' }, ['password']);
      expect(passwordStrength(String(fields.password)).score).toBe(4);
      expect(() => password.parseCreate(fields)).not.toThrow();
    }
  });
});
