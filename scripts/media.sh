#!/usr/bin/env bash
# Janus (the SFU) and coturn (TURN) for this machine, configured from the app's settings: the APIs and the TURN
# listener on 127.0.0.1, media on this machine's own address. Run the app with the same JANUS_URL and TURN_URLS.
#   bash scripts/media.sh            (Ctrl-C stops both; configuration and logs in instance/media)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/flask ] || bash scripts/install.sh
export JANUS_URL="${JANUS_URL:-ws://127.0.0.1:8188}"
export TURN_URLS="${TURN_URLS:-turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp}"
exec .venv/bin/flask --app wsgi media-servers "$@"
