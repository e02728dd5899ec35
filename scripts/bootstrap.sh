# Sourced by start.sh and test.sh: create .venv with the pinned dependencies, then activate it.
# Reinstalls only when pyproject.toml or requirements.lock changed since the last install.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: fraudwatch needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.fraudwatch-installed"
wanted="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "installing pinned dependencies into .venv (first run takes a minute or two)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.0.1"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        --constraint requirements.lock --editable ".[dev]"
    echo "$wanted" > "$stamp"
fi
# shellcheck disable=SC1091
source .venv/bin/activate
