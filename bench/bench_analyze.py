"""Time ``advisor analyze FUNCTION --json`` over 10 million stored invocations, as a whole command.

Generates and stores N synthetic invocations of one function (Poisson arrivals with a
daily cycle, cold starts on new log streams, errors and timeouts; see ``_synth.py``)
unless the workspace already holds them, then runs the command in a subprocess several
times and prints the median wall time, the peak RSS of the command and the size of the
workspace on disk. Target: 5 s or less for 10 million invocations.

Usage:  .venv/bin/python bench/bench_analyze.py [--rows 10000000] [--repeat 3] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synth import MEMORY_MB, synthetic_records  # noqa: E402

from advisor.workspace import Workspace  # noqa: E402

FUNCTION = "bench-fn"
TARGET_S = 5.0


def fill(path: Path, rows: int) -> None:
    with Workspace.open(path) as ws:
        stored = next((f.invocations for f in ws.functions() if f.name == FUNCTION), 0)
        if stored == rows:
            print(f"workspace {path} already holds {rows:,} invocations of {FUNCTION}")
            return
        started = time.perf_counter()
        records = synthetic_records(rows, function=FUNCTION)
        generated = time.perf_counter()
        summary = ws.import_records(records, source="bench", format="synthetic", lines=rows, parsed=rows, ignored=0, rejected=0)
        ws.upsert_function(FUNCTION, memory_mb=MEMORY_MB, architecture="x86_64", region="us-east-1")
        print(f"generated {rows:,} in {generated - started:.1f} s, stored {summary.added:,} in {time.perf_counter() - generated:.1f} s")


def run_once(path: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, all threads) and peak RSS (MB) of one command.

    Taken from the command's own ``wait4`` usage: ``RUSAGE_CHILDREN`` would also count the
    child process that filled the workspace (10 M generated rows, several GB).
    """
    advisor = Path(sys.executable).with_name("advisor")
    started = time.perf_counter()
    process = subprocess.Popen([str(advisor), "analyze", FUNCTION, "--json", "--workspace", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.read()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # reaped here, with its own usage
    elapsed = time.perf_counter() - started
    if (code := os.waitstatus_to_exitcode(status)) != 0:
        raise SystemExit(f"advisor analyze failed ({code}): {stderr}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workspace", type=Path, help="reuse (or create) this workspace instead of a temporary one")
    parser.add_argument("--fill-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill_only:
        fill(args.workspace, args.rows)
        return
    path = args.workspace or Path(tempfile.mkdtemp(prefix="bench-analyze-"))
    try:
        # Filled in a child process: a forked child's peak RSS counts the parent's pages
        # before exec, so generating 10M rows here would inflate the command's figure.
        subprocess.run([sys.executable, __file__, "--fill-only", "--rows", str(args.rows), "--workspace", str(path)],
                       check=True)
        load = os.getloadavg()[0]
        runs = [run_once(path) for _ in range(args.repeat)]
        peak_mb = max(peak for _, _, peak in runs)
        median = statistics.median(wall for wall, _, _ in runs)
        cpu = statistics.median(used for _, used, _ in runs)
        print(f"advisor analyze {FUNCTION} --json over {args.rows:,} invocations: median wall {median:.2f} s "
              f"of {args.repeat} ({', '.join(f'{w:.2f}' for w, _, _ in runs)}), median CPU (user+sys) {cpu:.2f} s; "
              f"target {TARGET_S:.0f} s: {'met' if median <= TARGET_S else 'NOT met'}")
        print(f"peak RSS of the command: {peak_mb:,.0f} MB; workspace on disk: {size_mb(path):,.0f} MB; "
              f"cpus: {os.cpu_count()}; load average before/after: {load:.1f}/{os.getloadavg()[0]:.1f}")
    finally:
        if args.workspace is None:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
