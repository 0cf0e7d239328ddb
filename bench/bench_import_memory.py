"""Peak memory of ``advisor import logs`` as the log grows: it should stay flat.

Generates (seeded, once, into bench/_out/) an S3-export-style plain-text log of the largest
size, takes its first 256 MiB and 512 MiB (whole lines) as the smaller ones, gzips each
(level 1), and writes ``filter-log-events`` JSON exports of the same sizes. Then runs the
whole command on each, into a fresh workspace, and prints its peak RSS (the command's own
``wait4`` usage), wall and CPU seconds and the records stored. The paths: plain text goes
through the C parser, gzip through DuckDB's SQL parser, JSON through the staged general
path (parsed in parts, staged in DuckDB).

    python bench/bench_import_memory.py [--sizes 256,512,1024] [--runs 1] [--styles text,gzip,json]
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
STYLES = ("text", "gzip", "json")


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
        with big.open("rb") as source, path.open("wb") as out:
            data = source.read(mib * MIB)
            out.write(data[:data.rfind(b"\n") + 1])
    return path


def gzip_log(text: Path) -> Path:
    """``text`` gzipped (level 1, as quickly as an export is packed)."""
    path = text.with_suffix(".log.gz")
    if not path.exists():
        with text.open("rb") as source, gzip.open(path, "wb", compresslevel=1) as out:
            shutil.copyfileobj(source, out, 1 << 24)
    return path


def json_log(mib: int) -> Path:
    """A ``filter-log-events`` JSON export of ``mib`` MiB."""
    sys.path.insert(0, str(HERE))
    from gen_logs import generate

    path = OUT / f"memory_events_{mib}mib.json"
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        generate(path, size=mib * MIB, style="json")
    return path


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
            text = text_log(mib, sizes[-1]) if style != "json" else None
            path = {"text": text, "gzip": gzip_log(text) if text else None, "json": json_log(mib)}[style]
            runs = [run(path, advisor) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            label = {"text": "text (S3 export, C parser)", "gzip": "gzip (S3 export, DuckDB SQL)",
                     "json": "JSON (filter-log-events, staged)"}[style]
            print(f"{label:30s} {path.stat().st_size / MIB:7.0f} M {rss:7d} MiB {wall:8.1f} {cpu:7.1f} "
                  f"{runs[0][3]:11,d}", flush=True)


if __name__ == "__main__":
    main()
