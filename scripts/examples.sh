#!/usr/bin/env bash
# Run every command of docs/examples.md on the bundled data (traces/), each group in a fresh
# workspace, and rewrite the outputs the doc embeds; rebuild the derived traces first.
# tests/test_examples.py runs the same commands (listed once, in scripts/examples.py) and fails
# when the doc differs. After an intended change in a report: run this and review the diff.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
python scripts/examples.py
