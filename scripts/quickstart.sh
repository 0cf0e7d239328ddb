#!/usr/bin/env bash
# Set up ./.venv, import the bundled sample (a real Azure Functions 2019 function, one day)
# into a fresh workspace under ./.advisor-quickstart, and print its analysis.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
export ADVISOR_HOME="$ROOT/.advisor-quickstart"
rm -rf "$ADVISOR_HOME"
advisor import trace traces/azure2019-543bec406831_inv.csv
advisor analyze 543bec406831
