#!/usr/bin/env bash
# Installs everything the app and the tests need into .venv/ and web/node_modules/.
# Safe to run again: it reinstalls only when requirements or lock files changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.installed
want=$(cat requirements.txt constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages"
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r requirements.txt -c constraints.txt
  # tensorflowjs declares dependencies that would downgrade TensorFlow; its SavedModel converter
  # needs none beyond what requirements.txt pins (see training/export.py).
  .venv/bin/pip install --quiet --no-deps tensorflowjs==4.22.0
  echo "$want" > "$stamp"
fi

if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd web && npm run --silent build)
echo "setup: done"
