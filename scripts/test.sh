#!/usr/bin/env bash
# Set up ./.venv with the test extras, run the static checks, and run the whole test suite.
# Tests marked `timing` compare wall-clock durations, so they run first and alone; the
# rest run in parallel. Extra arguments go to both runs (e.g. a path or -x).
# The tests of several tuning workers need a PostgreSQL server: a throwaway one is started
# (installed first when missing, see scripts/postgres.sh) and removed afterwards, whatever the
# outcome. A server of your own can be given instead with ADVISOR_TEST_POSTGRES_URL.
# The HTML report tests open the reports in Debian's Chromium (installed first when missing, see
# scripts/chromium.sh); another Chromium binary can be given with ADVISOR_TEST_CHROMIUM.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh" test
cd "$ROOT"
ruff check advisor
mypy
if [ -z "${ADVISOR_TEST_POSTGRES_URL:-}" ]; then
    pgdir="$(mktemp -d "${TMPDIR:-/tmp}/advisor-pg.XXXXXX")"
    trap 'bash "$ROOT/scripts/postgres.sh" stop "$pgdir"' EXIT
    trap 'exit 130' INT TERM
    ADVISOR_TEST_POSTGRES_URL="$(bash scripts/postgres.sh start "$pgdir")"
    export ADVISOR_TEST_POSTGRES_URL
fi
if [ -z "${ADVISOR_TEST_CHROMIUM:-}" ]; then
    ADVISOR_TEST_CHROMIUM="$(bash scripts/chromium.sh)"
    export ADVISOR_TEST_CHROMIUM
fi
set +e
python -m pytest -q -m timing "$@"
timing=$?
set -e
# 5 = no timing test among the selected paths: nothing to report.
if [ "$timing" -ne 0 ] && [ "$timing" -ne 5 ]; then
    exit "$timing"
fi
# Not exec: the trap above stops the server after pytest, however it ends.
set +e
python -m pytest -n auto -q -m "not timing" "$@"
exit $?
