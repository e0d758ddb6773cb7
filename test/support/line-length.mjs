// Fails when a line of the source (src/, credential-types/) is longer than 120 characters:
// the formatter wraps code, but not long strings and comments, so this catches those.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const limit = 120;
const roots = ['src', 'credential-types'];
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
const long = roots.flatMap(files).flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.length > limit ? [`${file}:${i + 1}: ${line.length} characters`] : [])),
);
if (long.length > 0) {
  console.error(`Lines longer than ${limit} characters:\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`line length: every line of ${roots.join(', ')} is at most ${limit} characters`);
