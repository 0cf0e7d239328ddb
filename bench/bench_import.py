"""``advisor import logs`` on generated 2,000,000-line logs, as a whole command.

Two logs of the same line count (bench/gen_logs.py, seeded, generated once into bench/_out/):
an S3 export (START, END, REPORT and application lines; about 600,000 records) and a log of
REPORT lines only, as ``filter-log-events --filter-pattern REPORT`` returns them (every line
a record; ``--bare`` adds the same messages without a time prefix). Each is read once so the
page cache is warm, then timed: ``grep -c REPORT`` (its output read through a pipe: GNU grep
stops at the first match when stdout is /dev/null) and the real command in a subprocess, as a
stored import into a fresh workspace each run. ``--all`` adds a dry run, the same import again
into a workspace that holds its records (every record a duplicate) and the stored import with
the C parser switched off (``ADVISOR_C_PARSER=off``: DuckDB's SQL parses the file). The runs of
the logs and commands are interleaved. Prints medians of ``--runs`` runs: seconds, lines/s,
records/s, the ratio to grep, CPU seconds (steadier than wall time on a shared machine) and
the largest peak RSS, and the size of the workspace a stored import leaves.

    python bench/bench_import.py [--lines 2000000] [--runs 9] [--bare] [--all]
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
RUNS = 9
GREP_RUNS = 5


def timed_rss(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of ``command`` (stdout piped and drained).

    CPU seconds (user + system, all threads) are steadier than wall time on a shared machine.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {err.decode()}")
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def warm(path: Path) -> None:
    """Read ``path`` once so every timed command finds it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def count_records(path: Path) -> int:
    """REPORT lines of ``path`` (every one is a record in these logs)."""
    done = subprocess.run(["grep", "-c", "REPORT RequestId:", str(path)], capture_output=True, text=True)
    return int(done.stdout.strip())


def report(label: str, runs: list[tuple[float, int, float]], lines: int, records: int,
           grep: float | None) -> None:
    seconds = statistics.median(t for t, _, _ in runs)
    cpu = statistics.median(c for _, _, c in runs)
    ratio = f"{seconds / grep:5.1f}x grep" if grep else " " * 10
    rss = f"peak RSS {max(r for _, r, _ in runs):4d} MB" if grep else ""
    print(f"{label:58s} {seconds:5.2f} s  {lines / seconds / 1e6:5.2f} M lines/s  "
          f"{records / seconds / 1e6:5.2f} M records/s  {ratio}  CPU {cpu:5.2f} s  {rss}  "
          f"(runs {', '.join(f'{t:.2f}' for t, _, _ in runs)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--bare", action="store_true", help="also the REPORT lines without a time")
    parser.add_argument("--all", action="store_true", help="also dry run, import again, SQL parser")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from gen_logs import bench_log

    styles = ["s3", "report"] + (["report-bare"] if args.bare else [])
    logs = {style: bench_log(args.lines, style) for style in styles}
    advisor = shutil.which("advisor") or str(Path(sys.executable).parent / "advisor")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    commands = ["(stored)"] + (["--dry-run", "(again: all duplicates)", "(stored, SQL parser)"] if args.all else [])
    for style, (path, lines) in logs.items():
        warm(path)
        records = count_records(path)
        grep_runs = [timed_rss(["grep", "-c", "REPORT", str(path)]) for _ in range(GREP_RUNS)]
        logs[style] = (path, lines, records, statistics.median(t for t, _, _ in grep_runs))
        report(f"{path.name}: grep -c REPORT", grep_runs, lines, records, None)
    runs: dict[tuple[str, str], list] = {(style, label): [] for style in styles for label in commands}
    stores: dict[str, int] = {}  # the workspace file a stored import leaves
    for _ in range(args.runs):  # interleaved, so that a busier minute hits every row alike
        for style in styles:
            path = logs[style][0]
            for label in commands:
                env = {**os.environ, "ADVISOR_C_PARSER": "off" if "SQL" in label else "on"}
                with tempfile.TemporaryDirectory() as workspace:
                    command = [advisor, "import", "logs", str(path), "--function", "bench",
                               "--workspace", workspace] + (["--dry-run"] if label == "--dry-run" else [])
                    if label.startswith("(again"):
                        subprocess.run(command, check=True, capture_output=True)
                    runs[style, label].append(timed_rss(command, env))
                    if label == "(stored)":
                        stores[style] = (Path(workspace) / "advisor.duckdb").stat().st_size
    for style in styles:
        path, lines, records, grep = logs[style]
        for label in commands:
            report(f"{path.name}: advisor import logs {label}", runs[style, label], lines, records, grep)
        print(f"{path.name}: the workspace after a stored import: {stores[style] / 1e6:.1f} MB")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
