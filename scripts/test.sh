#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: Python (training, backend) and Node (TF.js parity).
# The backend tests run on the real PostgreSQL named by DATABASE_URL (default: the local server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# The browser tests drive Debian's Chromium (never a browser downloaded by a test tool).
if [ ! -x /usr/bin/chromium ]; then
  echo "test: installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi

# The alert rules and the scrape configuration are checked by Prometheus's own promtool.
if ! command -v promtool >/dev/null; then
  echo "test: installing Debian's prometheus for promtool"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq prometheus >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq prometheus >/dev/null; fi
fi

# The reverse-proxy example of docs/deployment.md is run in front of the app with Debian's nginx,
# and backups of PostgreSQL use its pg_dump and pg_restore.
for tool in nginx:nginx-light pg_dump:postgresql-client; do
  if ! command -v "${tool%%:*}" >/dev/null && [ ! -x "/usr/sbin/${tool%%:*}" ]; then
    echo "test: installing Debian's ${tool#*:} for ${tool%%:*}"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${tool#*:}" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "${tool#*:}" >/dev/null; fi
  fi
done

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/healthcare}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

status=0
.venv/bin/python -m pytest "$@" || status=$?
(cd web && npm test) || status=$?
exit $status
