#!/usr/bin/env bash
# Set up .venv and run the whole test suite, plus ruff and mypy. Extra arguments go to pytest.
# PostgreSQL (FRAUDWATCH_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/postgres) and
# the fakesnow server are used when available; their tests skip with a message otherwise, and
# fail instead when CI=true.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh

# Browser tests drive Debian's Chromium (Playwright cannot download a browser here).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
fi

echo "== ruff"
ruff check src tests benchmarks
ruff format --check src tests benchmarks
echo "== mypy"
mypy
echo "== pytest"
pytest "$@"
