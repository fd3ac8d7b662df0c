#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: Python (training, backend) and Node (TF.js parity).
# The backend tests run on the real PostgreSQL named by DATABASE_URL (default: the local server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/healthcare}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

status=0
.venv/bin/python -m pytest "$@" || status=$?
(cd web && npm test) || status=$?
exit $status
