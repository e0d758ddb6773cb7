// Run by the build: a fresh PostgreSQL data folder made once (initdb, in memory) and kept as
// dist/pglite-template.tar.gz, so a first start copies it instead of running initdb again
// (~5 s and ~700 MB here, against ~1 s and ~300 MB). Plain JavaScript: it runs before dist/ exists.
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const [out, sharedBuffers = '16MB'] = process.argv.slice(2);
const db = new PGlite({ initDbStartParams: ['--set', `shared_buffers=${sharedBuffers}`] });
await db.waitReady;
const dump = await db.dumpDataDir('gzip');
writeFileSync(out, Buffer.from(await dump.arrayBuffer()), { mode: 0o644 });
await db.close();
