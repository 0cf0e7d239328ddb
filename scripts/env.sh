# Sourced by the other scripts: make ./.venv with advisor installed (idempotent).
# Usage: source scripts/env.sh [EXTRAS]   e.g. EXTRAS=test
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
extras="${1:-}"
stamp="$VENV/.advisor-installed${extras:+-$extras}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
# The C parser is compiled at install time: a changed source needs a new install too.
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ] \
    || [ "$ROOT/advisor/logs/_scan.c" -nt "$stamp" ] || [ "$ROOT/hatch_build.py" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${extras:+[$extras]}"
    touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
