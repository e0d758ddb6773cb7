// A committed migration is never edited: the migrator never runs an applied migration again,
// so a database that ran the earlier text would keep it without a word (0005, 0012 and 0013
// were edited before this check existed; 0015 repairs what they left behind). A change is a
// new migration. Run by .ci/run.
//
// - Every drizzle/*.sql must have its line in test/fixtures/migration-sha256.txt, with the
//   same SHA-256: a new migration adds its line (`cd drizzle && sha256sum NNNN_name.sql`).
// - Where git history is at hand, no commit may have modified a migration after adding it,
//   but for the three edits made before this check (so changing the list with the file fails too).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const folder = join(root, 'drizzle');
const manifestFile = join(root, 'test/fixtures/migration-sha256.txt');
/** The edits made before this check, repaired by drizzle/0015_repair_drift.sql. */
const grandfathered = new Set(['f267cb0', 'fd9bff9', 'f87db3d']);

const problems = [];
const manifest = new Map(
  readFileSync(manifestFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [hash, file] = line.trim().split(/\s+/);
      return [file, hash];
    }),
);
const files = readdirSync(folder).filter((f) => f.endsWith('.sql'));
for (const file of files) {
  const hash = createHash('sha256')
    .update(readFileSync(join(folder, file)))
    .digest('hex');
  const listed = manifest.get(file);
  if (!listed) problems.push(`${file} is not in ${manifestFile}: add its line (sha256sum ${file})`);
  else if (listed !== hash)
    problems.push(`${file} was edited after it was committed: revert it and write the change as a new migration`);
}
for (const file of manifest.keys()) if (!files.includes(file)) problems.push(`${file} is listed but gone`);

let history = false;
try {
  history =
    execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: root, encoding: 'utf8' }).trim() === 'false';
} catch {
  history = false;
}
if (history)
  for (const file of files) {
    const edits = execFileSync(
      'git',
      ['log', '--format=%h', '--abbrev=7', '--diff-filter=M', '--', join('drizzle', file)],
      { cwd: root, encoding: 'utf8' },
    )
      .split('\n')
      .filter((c) => c !== '' && !grandfathered.has(c));
    if (edits.length > 0)
      problems.push(`${file} was edited by commit ${edits.join(', ')}: migrations are never edited`);
  }

if (problems.length > 0) {
  for (const p of problems) console.error(`migrations: ${p}`);
  process.exit(1);
}
console.log(
  `migrations: ${files.length} committed migrations unchanged${history ? ' (checked against git history too)' : ''}`,
);
