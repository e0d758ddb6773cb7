/**
 * Scale: a database seeded with generate_series (not a loop of inserts) to N secrets in N/100
 * spaces (a tenth of them visible to their space), N/10 users each holding roles in two
 * spaces, N/100 groups and N shares; then the store listing, one space's listing and use() by
 * `space/name` of a sample member, their p95, the plans the database chooses, the seeding time
 * and the database size. The same on PGlite: an embedded install at that size.
 */
import { Password } from '../../credential-types/password.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import type { DatabaseKind } from '../support/databases.ts';
import { percentile } from './measure.ts';
import type { Row, Sizes } from './scenarios.ts';
import { benchNode } from './setup.ts';

export async function benchScale(kind: DatabaseKind, sizes: Sizes): Promise<Row[]> {
  const node = await benchNode(kind);
  const raw = node.tresor.database.raw;
  const n = sizes.scaleSecrets;
  const users = Math.max(10, Math.floor(n / 10));
  const groups = Math.max(1, Math.floor(n / 100));
  const spaceCount = Math.max(2, Math.floor(n / 100));
  try {
    const seedStart = performance.now();
    await raw.query(
      `insert into users (email, display_name) select 'u' || g || '@scale.test', 'u' || g from generate_series(1, ${users}) g`,
    );
    await raw.query(`insert into groups (name) select 'g' || g from generate_series(1, ${groups}) g`);
    await raw.query('create table scale_users as select id, row_number() over (order by email) as n from users');
    await raw.query('create index on scale_users (n)');
    await raw.query(
      `insert into spaces (name) select 'space-' || lpad(g::text, 6, '0') from generate_series(1, ${spaceCount}) g`,
    );
    await raw.query(
      `create table scale_spaces as select id, row_number() over (order by name) as n from spaces where name like 'space-%'`,
    );
    await raw.query('create index on scale_spaces (n)');
    await raw.query(
      `insert into secrets (name, type_id, owner_id, version, space_id, visibility) select 'scale-' || lpad(g::text, 8, '0'), 'password', u.id, 1, sp.id, case when g % 10 = 0 then 'space' else 'private' end from generate_series(1, ${n}) g join scale_users u on u.n = (g % ${users}) + 1 join scale_spaces sp on sp.n = (g % ${spaceCount}) + 1`,
    );
    // Every user a member of one space and a viewer of another.
    await raw.query(
      `insert into space_roles (space_id, user_id, role) select sp.id, u.id, 'member' from scale_users u join scale_spaces sp on sp.n = (u.n % ${spaceCount}) + 1`,
    );
    await raw.query(
      `insert into space_roles (space_id, user_id, role) select sp.id, u.id, 'viewer' from scale_users u join scale_spaces sp on sp.n = ((u.n * 7 + 3) % ${spaceCount}) + 1 on conflict do nothing`,
    );
    await raw.query(
      `insert into secret_shares (secret_id, user_id) select s.id, u.id from (select id, row_number() over (order by id) as n from secrets) s join scale_users u on u.n = ((s.n * 7) % ${users}) + 1 where u.id is not null`,
    );
    await raw.query(
      `insert into memberships (user_id, group_id) select u.id, g.id from scale_users u join (select id, row_number() over (order by name) as n from groups) g on g.n = (u.n % ${groups}) + 1`,
    );
    await raw.query('drop table scale_users');
    await raw.query('drop table scale_spaces');
    await raw.query('analyze');
    const seeded = (performance.now() - seedStart) / 1000;
    const [{ size }] = (await raw.query<{ size: string }>(
      'select pg_size_pretty(pg_database_size(current_database())) as size',
    )) as [{ size: string }];

    // A sample user who owns real, usable secrets among the million.
    const sample = await node.tresor.bootstrap.createAdministrator({
      email: 'sample@scale.test',
      password: 'correct horse battery staple',
    });
    const principal = { kind: 'user' as const, id: sample.id };
    // A member of one of the ten thousand spaces, whose secrets there the space sees; used by `space/name`.
    const space = 'space-000001';
    await node.tresor.spaces.setRole(systemPrincipal, space, { user: 'sample@scale.test' }, 'member');
    const refs: string[] = [];
    for (let i = 0; i < 20; i++) {
      await node.tresor.secrets.create(principal, {
        type: 'password',
        name: `sample-${i}`,
        space,
        visibility: 'space',
        fields: { password: `p${i}` },
      });
      refs.push(`${space}/sample-${i}`);
    }
    const ids = refs;
    // A different user each time, so every listing is a cache miss and measures the database.
    const owners = (
      await raw.query<{ owner_id: string }>(
        'select owner_id from secrets where owner_id is not null order by random() limit 100',
      )
    ).map((r) => r.owner_id);
    const someone = owners[0]!;
    const listing: number[] = [];
    for (const owner of owners) {
      const t = performance.now();
      await node.tresor.secrets.list({ kind: 'user', id: owner }, { limit: 50 });
      listing.push(performance.now() - t);
    }
    // One space's listing, for members of different spaces (each a cache miss).
    const members = (
      await raw.query<{ user_id: string; name: string }>(
        `select r.user_id, s.name from space_roles r join spaces s on s.id = r.space_id
         where r.role = 'member' and r.user_id is not null order by random() limit 100`,
      )
    ).map((r) => ({ id: r.user_id, space: r.name }));
    const spaceListing: number[] = [];
    for (const member of members) {
      const t = performance.now();
      await node.tresor.secrets.list({ kind: 'user', id: member.id }, { limit: 50, space: member.space });
      spaceListing.push(performance.now() - t);
    }
    const uses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await node.tresor.use(Password, principal, ids[i % ids.length]!);
      uses.push(performance.now() - t);
    }
    listing.sort((a, b) => a - b);
    spaceListing.sort((a, b) => a - b);
    uses.sort((a, b) => a - b);
    const plan = async (sql: string, params: unknown[]) =>
      (await raw.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params)).map((r) => r['QUERY PLAN']).join(' | ');
    // The store's statement as secret-visibility.store.ts builds it: owned, shared, and what the spaces see.
    const roleSpaces = (
      await raw.query<{ space_id: string }>('select space_id from space_roles where user_id = $1', [someone])
    ).map((r) => r.space_id);
    const inList = roleSpaces.map((id) => `'${id}'::uuid`).join(', ') || 'null';
    const listPlan = await plan(
      `select * from secrets where id in (select id from secrets where owner_id = $1 union all select secret_id from secret_shares where user_id = $1 union all select id from secrets where visibility = 'space' and space_id in (${inList})) order by name limit 50`,
      [someone],
    );
    const spacePlan = await plan(
      `select * from secrets where space_id = (select id from spaces where lower(name) = lower($2)) and id in (select id from secrets where owner_id = $1 union all select secret_id from secret_shares where user_id = $1 union all select id from secrets where visibility = 'space' and space_id in (${inList})) order by name limit 50`,
      [someone, members[0]?.space ?? space],
    );
    const usePlan = await plan(
      'select * from secrets where space_id = (select s.id from spaces s where lower(s.name) = lower($1)) and lower(name) = lower($2)',
      [space, 'sample-0'],
    );
    const indexed = (p: string) =>
      /Index (Only )?Scan|Bitmap Index Scan/.test(p) && !/Seq Scan on (secrets|secret_shares)/.test(p)
        ? 'index scans only'
        : `NOT indexed: ${p.slice(0, 200)}`;
    const label = `${n.toLocaleString('en-US')} secrets in ${spaceCount.toLocaleString('en-US')} spaces, ${users.toLocaleString('en-US')} users (roles in 2 spaces each), ${groups.toLocaleString('en-US')} groups, ${n.toLocaleString('en-US')} shares; seeded in ${seeded.toFixed(1)} s, database ${size}`;
    return [
      {
        bench: `3. scale: store listing (page of 50) — ${label}`,
        database: kind,
        figure: 'p95',
        tresor: `${percentile(listing, 95).toFixed(2)} ms (plan: ${indexed(listPlan)})`,
        floor: '—',
        ratio: '—',
        target: '≤ 20 ms',
      },
      {
        bench: "3. scale: one space's listing (page of 50, ?space=) on that database",
        database: kind,
        figure: 'p95',
        tresor: `${percentile(spaceListing, 95).toFixed(2)} ms (plan: ${indexed(spacePlan)})`,
        floor: '—',
        ratio: '—',
        target: '≤ 20 ms',
      },
      {
        bench: '3. scale: use() by space/name on that database',
        database: kind,
        figure: 'p95',
        tresor: `${percentile(uses, 95).toFixed(2)} ms (plan: ${indexed(usePlan)})`,
        floor: '—',
        ratio: '—',
        target: '≤ 5 ms',
      },
    ];
  } finally {
    await node.close();
  }
}
