#!/usr/bin/env bash
# Start throwaway PostgreSQL and Redis servers on loopback for the tests that
# need them, and print the environment variables that point the tests at them.
# Usage: eval "$(scripts/start-services.sh)"
set -euo pipefail
if command -v pg_lsclusters >/dev/null 2>&1; then
  read -r version cluster _ < <(pg_lsclusters --no-header | head -n 1)
  if [ -n "${version:-}" ]; then
    pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do
      su postgres -c "pg_isready -q" && break
      sleep 0.5
    done
    su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='archive'\"" | grep -q 1 ||
      su postgres -c "psql -qc \"CREATE ROLE archive LOGIN PASSWORD 'archive' CREATEDB\"" >/dev/null
    echo "export ARCHIVE_TEST_POSTGRES_URL='postgresql+psycopg://archive:archive@127.0.0.1:5432/postgres'"
  fi
fi
if command -v redis-server >/dev/null 2>&1; then
  redis-cli -p 6390 ping >/dev/null 2>&1 ||
    redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
  echo "export ARCHIVE_TEST_REDIS_URL='redis://127.0.0.1:6390/0'"
fi
