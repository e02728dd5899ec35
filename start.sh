#!/usr/bin/env bash
# Quick start: set up .venv and run fraudwatch on the embedded SQLite warehouse (./fraudwatch.db).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh

fraudwatch init
if [ "$(python -c 'from fraudwatch.cli.context import engine; from fraudwatch.warehouse import count_rows, tables; print(count_rows(engine(), tables.transaction_staging))')" = "0" ]; then
    fraudwatch simulate backfill --days 14 --customers 2000 --seed 7
fi
echo "streaming live transactions into the warehouse; Ctrl-C stops"
exec fraudwatch simulate stream
