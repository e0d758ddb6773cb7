import { PGlite } from '@electric-sql/pglite';
import { readFileSync, writeFileSync } from 'node:fs';
const hwm = () => readFileSync('/proc/self/status','utf8').match(/VmHWM:\s+(\d+)/)[1]/1000|0;
const r = () => Math.round(process.memoryUsage().rss/1e6);
const mode = process.argv[2];
if (mode === 'make') {
  const pg = new PGlite({ initDbStartParams: ['--set','shared_buffers=16MB'] });
  await pg.waitReady;
  const blob = await pg.dumpDataDir('gzip');
  writeFileSync('/tmp/memtest/template.tar.gz', Buffer.from(await blob.arrayBuffer()));
  console.log('template bytes', blob.size, 'peak', hwm());
} else {
  const t0 = performance.now();
  const dir = '/tmp/memtest/t' + Date.now();
  const buf = readFileSync('/tmp/memtest/template.tar.gz');
  const pg = new PGlite(dir, { loadDataDir: new Blob([buf]), startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] });
  await pg.waitReady;
  console.log('fresh from template', (performance.now()-t0).toFixed(0), 'ms rss', r(), 'peak', hwm(), (await pg.query('show shared_buffers')).rows[0]);
  await pg.exec('create table x(a int)'); await pg.close();
  const pg2 = new PGlite(dir); await pg2.waitReady; console.log((await pg2.query('select count(*) from x')).rows);
}
process.exit(0);
