"""``advisor import logs`` on a generated 2,000,000-line REPORT log, as a whole command.

Generates the log into bench/_out/ (seeded), reads it once so the page cache is
warm for every timed command, then times ``grep -c REPORT`` (its output read
through a pipe: GNU grep stops at the first match when stdout is /dev/null) and
the real command in a subprocess: as a dry run, as a stored import (a fresh workspace each
run, so every run stores all records), once more into a workspace that already holds
the same records (every record a duplicate), and as a stored import with the C parser
switched off (``ADVISOR_C_PARSER=off``: DuckDB's SQL parses the file). Prints medians of
``--runs`` runs: seconds, lines/s, the ratio to grep, CPU seconds (steadier than wall
time on a shared machine) and the command's peak RSS.

    python bench/bench_import.py [--lines 2000000] [--runs 3]
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
GREP_RUNS = 5


def timed_rss(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of ``command`` (stdout piped and drained).

    CPU seconds (user + system, all threads) are steadier than wall time on a shared machine.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {err.decode()}")
    del out
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def warm(path: Path) -> None:
    """Read ``path`` once so every timed command finds it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def report(label: str, runs: list[tuple[float, int, float]], total: int, grep: float | None) -> None:
    seconds = statistics.median(t for t, _, _ in runs)
    cpu = statistics.median(c for _, _, c in runs)
    ratio = f"{seconds / grep:6.1f}x grep" if grep else ""
    rss = f"peak RSS {max(r for _, r, _ in runs)} MB" if grep else ""
    print(f"{label:45s} {seconds:6.2f} s  {total / seconds / 1e6:6.2f} M lines/s  {ratio}  "
          f"CPU {cpu:5.2f} s  {rss}  (runs {', '.join(f'{t:.2f}' for t, _, _ in runs)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from gen_logs import bench_log

    path, total = bench_log(args.lines)
    advisor = shutil.which("advisor") or str(Path(sys.executable).parent / "advisor")
    warm(path)
    grep_runs = [timed_rss(["grep", "-c", "REPORT", str(path)]) for _ in range(GREP_RUNS)]
    grep = statistics.median(t for t, _, _ in grep_runs)
    report("grep -c REPORT", grep_runs, total, None)
    for label in ("--dry-run", "(stored)", "(again: all duplicates)", "(stored, SQL parser)"):
        runs = []
        env = {**os.environ, "ADVISOR_C_PARSER": "off" if "SQL" in label else "on"}
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as workspace:
                command = [advisor, "import", "logs", str(path), "--function", "bench",
                           "--workspace", workspace] + (["--dry-run"] if label == "--dry-run" else [])
                if label.startswith("(again"):
                    subprocess.run(command, check=True, capture_output=True)
                runs.append(timed_rss(command, env))
        report(f"advisor import logs {label}", runs, total, grep)


if __name__ == "__main__":
    main()
