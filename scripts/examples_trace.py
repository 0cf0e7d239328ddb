"""Serve a real trace's arrivals with a handler's measured invocations: a generic CSV trace.

docs/examples.md replays real traffic (an Azure Functions trace's arrivals) as if a handler
measured with ``advisor local invoke --log`` had served it. advisor replays a trace's own
durations, so this writes a trace in the generic CSV format (``timestamp, duration_ms,
init_ms, memory_mb, request_id``, docs/import.md) whose arrivals are the trace's, read by
advisor's own trace reader (seed 0, so an Azure 2019 trace's arrivals within each minute are
those ``advisor replay --trace`` draws), and whose invocations are the log's successful ones,
taken in turn: arrival ``i`` gets the ``i // S``-th invocation (cyclically) of the ``i % S``-th
measured memory size, ``S`` sizes in ascending order (``--memory MB``: that size's only). A cold invocation keeps its
``Init Duration`` as ``init_ms``, so replays draw init times from the measured ones.
Replayed with ``--memory MB``, every request moves from its measured size to MB through the
duration and cold-start models fitted on them (docs/replay.md).

    python scripts/examples_trace.py LOG.log TRACE.csv [--function HASH] [--memory MB] --out OUT.csv

Deterministic: the same inputs give the same file byte for byte (tests/test_examples.py
checks the bundled ones).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from advisor.logs import read_paths
from advisor.simulate.inputs import read_trace_file


def measured_invocations(log: Path, memory_mb: int | None = None) -> dict[int, pd.DataFrame]:
    """The log's successful invocations by memory size (only ``memory_mb``'s if given), in the
    order they ran."""
    records = read_paths([log], function=log.stem).records
    ok = records[records["status"] == "success"].sort_values(["start_time", "request_id"], kind="stable")
    if memory_mb is not None:
        ok = ok[ok["memory_mb"] == memory_mb]
    if ok.empty:
        raise SystemExit(f"{log}: no successful invocation{'' if memory_mb is None else f' at {memory_mb} MB'}.")
    return {int(size): group.reset_index(drop=True) for size, group in ok.groupby("memory_mb", sort=True)}


def served_trace(log: Path, trace: Path, function: str | None, memory_mb: int | None = None) -> pd.DataFrame:
    """The trace's arrivals, each served by one measured invocation (see the module's doc)."""
    arrivals = read_trace_file(trace, function=function, seed=0).arrivals_s
    by_size = measured_invocations(log, memory_mb)
    sizes = sorted(by_size)
    rows = []
    for i, arrival in enumerate(arrivals):
        size = sizes[i % len(sizes)]
        runs = by_size[size]
        run = runs.iloc[(i // len(sizes)) % len(runs)]
        init = run["init_ms"]
        rows.append({"timestamp": f"{arrival:.6f}", "duration_ms": f"{run['duration_ms']:.2f}",
                     "init_ms": "" if pd.isna(init) else f"{init:.2f}", "memory_mb": size,
                     "request_id": f"{trace.stem}-{i + 1}"})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path, help="REPORT log of advisor local invoke --log")
    parser.add_argument("trace", type=Path, help="a trace advisor replay --trace reads")
    parser.add_argument("--function", help="the function of the trace (a hash prefix)")
    parser.add_argument("--memory", type=int, help="only the invocations measured at this size (MB)")
    parser.add_argument("--out", type=Path, required=True, help="the generic CSV to write")
    args = parser.parse_args(argv)
    served_trace(args.log, args.trace, args.function, args.memory).to_csv(args.out, index=False, lineterminator="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
