#!/usr/bin/env bash
# Quick start: install, fill the embedded SQLite database with demo data (once), serve http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# the demo room's link (and the app's own links) on the port it is served on; 0.0.0.0 is reached as 127.0.0.1 here
host="${HOST:-127.0.0.1}"; [ "$host" = "0.0.0.0" ] && host=127.0.0.1
export PUBLIC_URL="${PUBLIC_URL:-http://$host:${PORT:-5000}}"
if .venv/bin/flask --app wsgi seed-demo 2>instance-seed.err; then
  rm -f instance-seed.err
elif grep -q "already there" instance-seed.err; then
  echo "Demo data already loaded (reset with: .venv/bin/flask --app wsgi seed-demo --reset)."
  rm -f instance-seed.err
else
  cat instance-seed.err >&2; rm -f instance-seed.err; exit 1
fi
echo "Serving on http://${HOST:-127.0.0.1}:${PORT:-5000} (Ctrl+C stops)"
exec .venv/bin/python wsgi.py
