#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: Python (training, backend) and Node (TF.js parity).
# The backend tests run on the real PostgreSQL named by DATABASE_URL (default: the local server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Debian packages some tests drive, installed when their command is missing (never a tool
# downloaded by a test): install_for <command> <package>.
install_for() {
  if command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]; then return; fi
  echo "test: installing Debian's $2 for $1"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "$2" >/dev/null; fi
}
install_for chromium chromium              # the browser tests
install_for promtool prometheus            # the alert rules and the scrape configuration
install_for nginx nginx-light              # the reverse-proxy example of docs/deployment.md
install_for pg_dump postgresql-client      # backups of PostgreSQL (pg_dump, pg_restore)

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/healthcare}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

status=0
.venv/bin/python -m pytest "$@" || status=$?
(cd web && npm test) || status=$?
# The deployment test builds the images and runs docker-compose.yaml with a Docker engine of its
# own (6 to 9 minutes); SKIP_DEPLOY_TEST=1 leaves it out of a quick local run.
if [ "${SKIP_DEPLOY_TEST:-0}" != 1 ]; then
  scripts/test-deploy.sh || status=$?
fi
exit $status
