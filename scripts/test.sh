#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite: on SQLite, then again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev,prod

# Debian's Chromium for the browser tests (Playwright drives it; no browser is downloaded by a tool).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi

# Janus (VideoRoom), its recording tool and coturn for the media tests, which start them on their own ports.
if { ! command -v janus >/dev/null 2>&1 || ! command -v janus-pp-rec >/dev/null 2>&1 || ! command -v turnserver >/dev/null 2>&1; } \
    && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends janus janus-tools coturn >/dev/null) \
    || echo "warning: could not install janus/janus-tools/coturn; media tests will be skipped" >&2
fi

# PostgreSQL and Redis: start them when they are installed but down.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi
if command -v redis-server >/dev/null 2>&1 && ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1); then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  sleep 0.5
fi

echo "== tests on SQLite =="
.venv/bin/python -m pytest "$@"

PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "== the same tests on PostgreSQL (${PG_URL}) =="
  # The browser tests drive pages whose database work the API and socket tests already run here; they stay on the
  # SQLite pass, which keeps CI well inside its time.
  TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest --ignore=tests/scheduler -m "not browser" "$@"
else
  echo "PostgreSQL is not reachable: the PostgreSQL pass was not run" >&2
  exit 1
fi
