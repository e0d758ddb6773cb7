/**
 * Tresor as a library in someone else's app: `npm pack` makes a tarball; a fresh Node project
 * in a temp folder installs it (from npm's cache where it can), declares its own credential
 * type, mounts Tresor's UI and API in its own fastify server under /vault and calls
 * tresor.use() from its own module — type-checked with tsc against the package's declaration
 * files, then run with plain node (no TypeScript loader, no tsx).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, consumerCompilerOptions, installConsumer, packTresor, root, run } from '../support/packed-project.ts';

describe('the packed tarball in a fresh project', () => {
  let folder: string;

  beforeAll(() => {
    const packed = packTresor('tresor-consumer-');
    folder = packed.folder;
    const files = packed.files;
    // What an installed package needs, and nothing of the tests or the sources' TypeScript.
    expect(files).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'src/cli/bin.mjs']));
    expect(files.some((f) => f.startsWith('test/'))).toBe(false);
    expect(files.some((f) => f.startsWith('src/') && f.endsWith('.ts') && !f.endsWith('.d.mts'))).toBe(false);
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: consumerCompilerOptions, files: ['app.ts'] }),
    );
    copyFileSync(join(import.meta.dirname, 'consumer-app.ts.txt'), join(folder, 'app.ts'));
    installConsumer(folder, packed.filename, ['fastify']);
  }, 600_000);

  it('installs, type-checks and runs an app that mounts Tresor under a prefix', () => {
    compile(folder, 'tsconfig.json');
    const output = execFileSync(process.execPath, [join(folder, 'out/app.js')], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, TRESOR_DATA_DIR: join(folder, 'data') },
      timeout: 120_000,
    });
    const seen = JSON.parse(output.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(seen).toMatchObject({
      used: { url: 'https://hooks.example.test/deploy', signed: true },
      own: { app: 'the host' },
      loginStatus: 200,
      loginLinksUnderPrefix: true,
      loginLinksOutside: [],
      apiStatus: 200,
      apiLeaks: false,
      apiType: 'webhook',
      redirect: '/vault/login?next=%2Fvault%2Fsecrets',
      signIn: { status: 302, location: '/vault/secrets' },
      storeStatus: 200,
      storeShowsSecret: true,
      storeLinksOutside: [],
    });
    // Tresor's cookies stay inside its prefix: the host's other pages never receive its session.
    expect(seen.cookiePaths).toEqual(expect.arrayContaining(['/vault']));
    expect((seen.cookiePaths as string[]).every((path) => path === '/vault')).toBe(true);
    expect(seen.types).toEqual(expect.arrayContaining(['webhook', 'smtp', 'api-key']));
  }, 600_000);

  it("runs the README's embedding example as written", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Tresor inside your own app'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toContain("from 'tresor/server'");
    writeFileSync(join(folder, 'readme-app.ts'), example!);
    writeFileSync(
      join(folder, 'tsconfig.readme.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { outDir: 'out-readme' },
        files: ['readme-app.ts'],
      }),
    );
    compile(folder, 'tsconfig.readme.json');
    const env = { ...process.env, TRESOR_DATA_DIR: join(folder, 'readme-data'), TRESOR_LOG_LEVEL: 'error' };
    for (const round of [1, 2]) {
      // Twice on one data folder: the second run finds its administrator and secret.
      const output = execFileSync(process.execPath, [join(folder, 'out-readme/readme-app.js')], {
        cwd: folder,
        encoding: 'utf8',
        env,
        timeout: 120_000,
      });
      expect(output, `round ${round}`).toContain('deploy hook: https://ci.example.com/hook');
    }
  }, 300_000);

  /*
   * A type author's own project: TypeScript types beside their own tsconfig, importing 'tresor'
   * through node_modules. Each way a type reaches Tresor registers it: compiled with legacy
   * decorators (experimentalDecorators), compiled with standard decorators (without it), and
   * the .ts files themselves in TRESOR_TYPES_DIR, which the compiled Tresor loads through tsx.
   */
  it("registers an author's TypeScript types whichever decorators their compiler emits", () => {
    mkdirSync(join(folder, 'types'), { recursive: true });
    copyFileSync(join(import.meta.dirname, 'author-types.ts.txt'), join(folder, 'types/author-types.ts'));
    const options = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: true,
      types: ['node'],
    };
    for (const [name, decorators] of [
      ['legacy', { experimentalDecorators: true, useDefineForClassFields: false }],
      ['standard', {}],
    ] as const) {
      writeFileSync(
        join(folder, `tsconfig.${name}.json`),
        JSON.stringify({ compilerOptions: { ...options, ...decorators, outDir: `types-${name}` }, include: ['types'] }),
      );
      compile(folder, `tsconfig.${name}.json`);
    }
    // The author's own tsconfig beside the .ts files (legacy decorators), as the issue found it failing.
    writeFileSync(
      join(folder, 'types/tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...options, experimentalDecorators: true, noEmit: true } }),
    );
    writeFileSync(
      join(folder, 'registered.mjs'),
      [
        "import { createRegistry } from 'tresor/server';",
        'const registry = await createRegistry({ passwordMinScore: 3, typesDirs: [process.argv[2]] });',
        "const shown = (id) => registry.find(id)?.definition.fields.map((f) => `${f.key}${f.secret ? '*' : ''}`);",
        "console.log(JSON.stringify({ acme: shown('acme-api'), crm: shown('acme-crm') }));",
      ].join('\n'),
    );
    for (const dir of ['types-legacy', 'types-standard', 'types']) {
      const output = run(process.execPath, ['registered.mjs', join(folder, dir)], folder);
      const seen = JSON.parse(output.trim().split('\n').pop()!) as Record<string, string[]>;
      expect(seen.acme, dir).toEqual(['baseUrl', 'token*', 'region']);
      // A subclass of Tresor's OAuth2 base type keeps the base type's fields.
      expect(seen.crm, dir).toEqual(expect.arrayContaining(['clientId', 'clientSecret*', 'tokenUrl', 'tenant']));
    }
  }, 600_000);
});
