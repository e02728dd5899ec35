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
# pip, without the warnings some machines' pip configuration prints for every package.
quiet_pip() {
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}
stamp=".venv/.fraudwatch-installed"
wanted="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "installing pinned dependencies into .venv (first run takes a minute or two)"
    quiet_pip --upgrade "pip==26.0.1"
    quiet_pip --constraint requirements.lock --editable ".[dev]"
    echo "$wanted" > "$stamp"
fi
# shellcheck disable=SC1091
source .venv/bin/activate
