#!/usr/bin/env bash
# Sets everything up and runs the app on its embedded default: SQLite and local files under var/,
# tasks in-process, no external server. Open http://127.0.0.1:8000/ when it says it is ready.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

python=.venv/bin/python
$python backend/manage.py migrate --no-input
$python backend/manage.py seed_demo
exec $python backend/manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
