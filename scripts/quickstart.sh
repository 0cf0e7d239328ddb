#!/usr/bin/env bash
# Set up ./.venv, import the bundled sample (a real Azure Functions 2019 function, one day)
# into a fresh workspace under ./.advisor-quickstart, print its analysis, then the recommendation
# (memory x keep-warm against a p95 SLA, from the imported traffic alone) with its break-even.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
export ADVISOR_HOME="$ROOT/.advisor-quickstart"
rm -rf "$ADVISOR_HOME"
advisor import trace traces/azure2019-543bec406831_inv.csv
advisor analyze 543bec406831
advisor recommend 543bec406831 --sla p95=40s
