/**
 * Acknowledged writes, marked for strace: after each write is acknowledged the worker
 * writes `ack N` to stdout with a plain write(2), so the trace shows which sync calls came
 * before which acknowledgement.
 *
 * DURABILITY_MODE=tresor (default): secrets created through Tresor on its configured
 * database. DURABILITY_MODE=plain-pglite: inserts on PGlite opened as PGlite opens itself
 * (the control: it shows what the trace looks like when nothing is synced).
 */
import { writeSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';

const writes = Number(process.env.DURABILITY_WRITES ?? 20);
const mark = (text: string) => writeSync(1, `${text}\n`);

if (process.env.DURABILITY_MODE === 'plain-pglite') {
  const db = new PGlite(process.env.TRESOR_DATA_DIR);
  await db.exec('create table acknowledged (id serial primary key, value text)');
  mark('begin');
  for (let i = 0; i < writes; i++) {
    await db.query('insert into acknowledged (value) values ($1)', [`v${i}`]);
    mark(`ack ${i}`);
  }
  await db.close();
} else {
  const tresor = await createTresor(parseConfig(), { logger: createLogger('silent') });
  const admin = await tresor.bootstrap.createAdministrator({
    email: 'durable@example.test',
    password: 'correct horse battery staple',
  });
  mark('begin');
  for (let i = 0; i < writes; i++) {
    await tresor.secrets.create(
      { kind: 'user', id: admin.id },
      { type: 'generic', name: `durable-${i}`, fields: { entries: [{ name: 'V', value: `v${i}` }] } },
    );
    mark(`ack ${i}`);
  }
  await tresor.close();
}
mark('end');
