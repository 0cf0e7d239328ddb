#!/usr/bin/env bash
# Set up ./.venv with the test extras and run the whole test suite.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh" test
cd "$ROOT"
exec python -m pytest -n auto -q "$@"
