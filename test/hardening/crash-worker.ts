/**
 * A Tresor process that keeps changing secrets (create, update, rollback, share, unshare)
 * until it is killed. The crash-safety suite SIGKILLs it at random moments.
 */
import { parseConfig } from '../../src/config.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';

const tresor = await createTresor(parseConfig(), { logger: createLogger('silent') });
const email = 'crash-admin@example.test';
const existing = await tresor.users.findByEmail(email);
const admin: Principal = {
  kind: 'user',
  id: existing
    ? existing.id
    : (await tresor.bootstrap.createAdministrator({ email, password: 'correct horse battery staple' })).id,
};
const friendEmail = 'crash-friend@example.test';
if (!(await tresor.users.findByEmail(friendEmail))) await tresor.users.create(admin, { email: friendEmail });
process.stdout.write('ready\n');

const run = Number(process.env.CRASH_RUN ?? 0);
for (let i = 0; ; i++) {
  const names = (await tresor.secrets.list(admin, { limit: 200 })).map((s) => s.name);
  const pick = names[Math.floor(Math.random() * names.length)];
  const roll = Math.random();
  try {
    if (!pick || roll < 0.3)
      await tresor.secrets.create(admin, {
        type: 'generic',
        name: `crash-${run}-${i}`,
        fields: { entries: [{ name: 'V', value: `v-${run}-${i}` }] },
      });
    else if (roll < 0.65)
      await tresor.secrets.update(admin, pick, {
        fields: { entries: [{ name: 'V', value: `u-${run}-${i}` }] },
        reason: `update ${i}`,
      });
    else if (roll < 0.8) {
      const { version } = await tresor.secrets.get(admin, pick);
      if (version > 1) await tresor.secrets.rollback(admin, pick, version - 1, { reason: 'crash test' });
    } else {
      const shares = await tresor.shares.shares(admin, pick);
      if (shares.length > 0) await tresor.shares.unshare(admin, pick, shares[0]!.id);
      else await tresor.shares.share(admin, pick, { user: friendEmail });
    }
  } catch (error) {
    // Conflicts are expected (a name reused across runs); anything else is reported.
    if ((error as { code?: string }).code !== 'CONFLICT')
      process.stderr.write(`worker error: ${(error as Error).message}\n`);
  }
  if (i % 10 === 0) process.stdout.write(`ops ${i}\n`);
}
