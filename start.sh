#!/usr/bin/env bash
# Quick start: set up .venv and run the whole system on the embedded SQLite warehouse
# (./fraudwatch.db): a simulated bank, a first model, then the stream, scorer, API and dashboard.
# Extra arguments go to `fraudwatch up` (e.g. --dashboard-port 8080).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
exec fraudwatch up "$@"
