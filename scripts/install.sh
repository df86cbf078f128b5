#!/usr/bin/env bash
# Creates .venv (if missing) and installs the project with the given extras, e.g. `scripts/install.sh dev,prod`.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
# The compiled catalogues are built from translations/*/messages.po, not kept in git.
.venv/bin/pybabel compile -d translations
