"""Peak memory of ``advisor import logs`` as the log grows: it should stay flat.

Generates (seeded, once, into bench/_out/) an S3-export-style plain-text log of the largest
size, takes its first 256 MiB and 512 MiB (whole lines) as the smaller ones, gzips each
(level 1), and writes ``filter-log-events`` JSON exports and JSON log format lines
(``LogFormat=JSON``) of the same sizes. Then runs the whole command on each, into a fresh
workspace, and prints its peak RSS (the command's own ``wait4`` usage), wall and CPU seconds
and the records stored. The paths: plain text goes through the C parser, gzip through
DuckDB's SQL parser, JSON and JSON log format lines through the staged path (parsed in
parts by their parsers, staged in DuckDB).

    python bench/bench_import_memory.py [--sizes 256,512,1024] [--runs 1] [--styles text,gzip,json,json-log]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "_out"
MIB = 1 << 20
STYLES = ("text", "gzip", "json", "json-log")


def text_log(mib: int, largest: int) -> Path:
    """The S3-style log of ``mib`` MiB: the start of the largest one, cut at a line end."""
    sys.path.insert(0, str(HERE))
    from gen_logs import generate

    big = OUT / f"memory_s3_{largest}mib.log"
    if not big.exists():
        print(f"generating {big.name} ...", flush=True)
        generate(big, size=largest * MIB)
    if mib == largest:
        return big
    path = OUT / f"memory_s3_{mib}mib.log"
    if not path.exists():
        # In parts: a child's peak RSS starts from its parent's at fork, so this process stays small.
        with big.open("rb") as source, path.open("wb") as out:
            left = mib * MIB
            while left > 16 * MIB:
                left -= out.write(source.read(16 * MIB))
            last = source.read(left)
            out.write(last[:last.rfind(b"\n") + 1])
    return path


def gzip_log(text: Path) -> Path:
    """``text`` gzipped (level 1, as quickly as an export is packed)."""
    path = text.with_suffix(".log.gz")
    if not path.exists():
        with text.open("rb") as source, gzip.open(path, "wb", compresslevel=1) as out:
            shutil.copyfileobj(source, out, 1 << 24)
    return path


def generated(mib: int, style: str) -> Path:
    """A log of ``mib`` MiB in a style of bench/gen_logs.py (``json``: a ``filter-log-events``
    JSON export; ``json-log``: JSON log format lines)."""
    sys.path.insert(0, str(HERE))
    from gen_logs import generate

    path = OUT / (f"memory_events_{mib}mib.json" if style == "json" else f"memory_{style}_{mib}mib.log")
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        generate(path, size=mib * MIB, style=style)
    return path


def log_of(style: str, mib: int, largest: int) -> Path:
    """The input of ``style`` and ``mib`` MiB (the plain and gzip logs share their text)."""
    if style in ("json", "json-log"):
        return generated(mib, style)
    text = text_log(mib, largest)
    return gzip_log(text) if style == "gzip" else text


def run(path: Path, advisor: str) -> tuple[float, float, int, int]:
    """Wall s, CPU s, peak RSS (MiB) and records stored of one import into a fresh workspace."""
    with tempfile.TemporaryDirectory() as workspace:
        command = [advisor, "import", "logs", str(path), "--function", "bench",
                   "--workspace", workspace, "--json"]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = process.stdout.read()
        err = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(command)} failed: {err.decode()}")
    added = json.loads(out)["stored"]["added"]
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="256,512,1024", help="MiB, comma-separated")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--styles", default=",".join(STYLES))
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    styles = args.styles.split(",")
    advisor = shutil.which("advisor") or str(Path(sys.executable).parent / "advisor")
    print(f"{'input':30s} {'size':>9s} {'peak RSS':>10s} {'wall s':>8s} {'CPU s':>7s} {'records':>11s}")
    for style in styles:
        for mib in sizes:
            path = log_of(style, mib, sizes[-1])
            runs = [run(path, advisor) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            label = {"text": "text (S3 export, C parser)", "gzip": "gzip (S3 export, DuckDB SQL)",
                     "json": "JSON (filter-log-events, staged)",
                     "json-log": "JSON log format lines (staged)"}[style]
            print(f"{label:30s} {path.stat().st_size / MIB:7.0f} M {rss:7d} MiB {wall:8.1f} {cpu:7.1f} "
                  f"{runs[0][3]:11,d}", flush=True)


if __name__ == "__main__":
    main()
