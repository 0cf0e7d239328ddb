#!/usr/bin/env bash
# Set up ./.venv with the test extras and run the whole test suite.
# Tests marked `timing` compare wall-clock durations, so they run first and alone; the
# rest run in parallel. Extra arguments go to both runs (e.g. a path or -x).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh" test
cd "$ROOT"
set +e
python -m pytest -q -m timing "$@"
timing=$?
set -e
# 5 = no timing test among the selected paths: nothing to report.
if [ "$timing" -ne 0 ] && [ "$timing" -ne 5 ]; then
    exit "$timing"
fi
exec python -m pytest -n auto -q -m "not timing" "$@"
