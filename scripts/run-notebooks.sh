#!/usr/bin/env bash
# Runs the notebooks (notebooks/*.py, jupytext sources) headless, top to bottom, each in a fresh
# kernel of the project's Python; the executed copies, with their figures, go to
# test-artifacts/notebooks/ (or --output DIR). Names pick some: scripts/run-notebooks.sh 01_datasets
# The data is read from MEDICAL_DATA_DIR (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    echo "No .venv here: run scripts/setup.sh first." >&2
    exit 1
fi
exec .venv/bin/python -m notebooks.execute "$@"
