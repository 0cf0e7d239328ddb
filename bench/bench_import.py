"""``advisor import logs`` on a generated 2,000,000-line REPORT log, as a whole command.

Generates the log into bench/_out/ (seeded), then runs the real command in a
subprocess (fresh workspace each run, so every run stores all records) and
``grep -c REPORT`` on the same file. Prints the median of 3 runs: lines/s, the
ratio to grep, and the command's peak RSS.

    python bench/bench_import.py [--lines 2000000] [--dry-run]
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

HERE = Path(__file__).resolve().parent
RUNS = 3


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of ``command``; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # grep -c exits 1 on no match
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--dry-run", action="store_true", help="parse only, store nothing")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from gen_logs import bench_log

    path, total = bench_log(args.lines)
    advisor = shutil.which("advisor") or str(Path(sys.executable).parent / "advisor")
    grep_times = [timed(["grep", "-c", "REPORT", str(path)])[0] for _ in range(RUNS)]
    runs = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as workspace:
            command = [advisor, "import", "logs", str(path), "--function", "bench", "--workspace",
                       workspace] + (["--dry-run"] if args.dry_run else [])
            runs.append(timed(command))
    seconds = statistics.median(t for t, _ in runs)
    grep = statistics.median(grep_times)
    print(f"grep -c REPORT         {grep:6.2f} s  {total / grep / 1e6:6.2f} M lines/s")
    print(f"advisor import logs{' --dry-run' if args.dry_run else ''}  {seconds:6.2f} s  "
          f"{total / seconds / 1e6:6.2f} M lines/s  {seconds / grep:5.1f}x grep  "
          f"peak RSS {max(r for _, r in runs)} MB  (runs {', '.join(f'{t:.2f}' for t, _ in runs)})")


if __name__ == "__main__":
    main()
