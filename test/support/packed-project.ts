/**
 * A fresh Node project in a temp folder with the packed Tresor tarball installed, as an app
 * that depends on Tresor gets it: `npm pack` of this checkout (built first when stale), then
 * `npm install` from npm's cache where it can. Used by the package test and the host-app test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from '../../src/build.mjs';
import { buildState } from '../../src/build-state.mjs';

export const root = resolve(import.meta.dirname, '../..');

/** This package's manifest: the versions a consumer project pins to what Tresor is tested with. */
export const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

export function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 400_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** Packs Tresor into a new temp folder; returns the folder, the tarball's name and the files it holds. */
export function packTresor(prefix: string): { folder: string; filename: string; files: string[] } {
  if (buildState() !== 'fresh') build({ quiet: true });
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], root)) as [
    { filename: string; files: Array<{ path: string }> },
  ];
  return { folder, filename: packed[0].filename, files: packed[0].files.map((f) => f.path) };
}

/** The compiler settings a TypeScript consumer of Tresor uses (legacy decorators, as Tresor's own types). */
export const consumerCompilerOptions = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  experimentalDecorators: true,
  useDefineForClassFields: false,
  skipLibCheck: true,
  outDir: 'out',
  types: ['node'],
};

/** Writes a consumer project's package.json (Tresor from the tarball, `dependencies` at our versions) and installs. */
export function installConsumer(folder: string, filename: string, dependencies: readonly string[]): void {
  const version = (name: string) => ours.dependencies[name] ?? ours.devDependencies[name];
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({
      name: 'host-app',
      private: true,
      type: 'module',
      dependencies: {
        tresor: `file:./${filename}`,
        ...Object.fromEntries(dependencies.map((name) => [name, version(name)])),
      },
      devDependencies: { typescript: version('typescript'), '@types/node': version('@types/node') },
    }),
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], folder);
}

/** Type-checks and compiles a consumer project's tsconfig with the project's own tsc. */
export function compile(folder: string, tsconfig: string): void {
  run(process.execPath, [join(folder, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], folder);
}
