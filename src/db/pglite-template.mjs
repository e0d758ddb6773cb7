// Run by the build: a fresh PostgreSQL data folder made once (initdb and every migration in
// drizzle/, in memory) and kept as dist/pglite-template.tar.gz, so a first start unpacks it
// instead of running initdb and the migrations again (~5 s and ~700 MB for initdb alone).
// A start still runs the migrator, which finds them applied. Plain JavaScript: it runs before
// dist/ exists.
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

const [out, sharedBuffers = '16MB'] = process.argv.slice(2);
const db = new PGlite({ initDbStartParams: ['--set', `shared_buffers=${sharedBuffers}`] });
await db.waitReady;
await migrate(drizzle({ client: db }), { migrationsFolder: new URL('../../drizzle', import.meta.url).pathname });
// A checkpoint first: a folder unpacked from it then opens without replaying the migrations' WAL.
await db.exec('CHECKPOINT');
const dump = await db.dumpDataDir('gzip');
writeFileSync(out, Buffer.from(await dump.arrayBuffer()), { mode: 0o644 });
await db.close();
