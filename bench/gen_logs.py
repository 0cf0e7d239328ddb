"""Generate a realistic plain-text Lambda log (S3-export style) for the benchmarks.

Each invocation is START, sometimes an application line, END and REPORT, every
line prefixed with its ISO 8601 UTC time as in an S3 export; about 2% of
invocations are cold (INIT_START before START, ``Init Duration`` in the REPORT).
Seeded, so the same arguments give the same file.
"""

from __future__ import annotations

import argparse
import gzip
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

START = datetime(2026, 1, 5, tzinfo=timezone.utc)


def generate(path: Path, lines: int, *, seed: int = 0) -> int:
    """Write about ``lines`` lines to ``path`` (gzip if it ends in .gz); return the count."""
    rng = np.random.default_rng(seed)
    rid_rng = np.random.default_rng(seed + 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.suffix == ".gz" else open
    written = 0
    t = START
    chunk: list[str] = []
    with opener(path, "wt") as out:
        while written < lines:
            t += timedelta(milliseconds=float(rng.exponential(40.0)))
            rid = str(uuid.UUID(bytes=rid_rng.bytes(16), version=4))
            duration = round(float(rng.lognormal(4.0, 0.6)), 2)
            cold = rng.random() < 0.02
            init = round(float(rng.lognormal(6.0, 0.3)), 2) if cold else None
            end = t + timedelta(milliseconds=duration + (init or 0.0))
            stamp = t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            end_stamp = end.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            before = len(chunk)
            if cold:
                chunk.append(f"{stamp} INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn\n")
            chunk.append(f"{stamp} START RequestId: {rid} Version: $LATEST\n")
            if rng.random() < 0.3:
                chunk.append(f"{stamp}\t{rid}\tINFO\tpredicted class 7 in {duration} ms\n")
            chunk.append(f"{end_stamp} END RequestId: {rid}\n")
            billed = int(np.ceil(duration))
            report = (f"{end_stamp} REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\t"
                      f"Billed Duration: {billed} ms\tMemory Size: 1024 MB\t"
                      f"Max Memory Used: {int(rng.integers(180, 400))} MB\t")
            if init is not None:
                report += f"Init Duration: {init:.2f} ms\t"
            chunk.append(report + "\n")
            written += len(chunk) - before
            if len(chunk) > 50_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    with opener(path, "rt") as check:
        return sum(1 for _ in check)


def bench_log(lines: int) -> tuple[Path, int]:
    """The benchmark log of ``lines`` lines in bench/_out/ (generated once), and its line count."""
    path = Path(__file__).resolve().parent / "_out" / f"report_{lines}.log"
    if not path.exists():
        generate(path, lines)
    with path.open("rb") as handle:
        total = sum(1 for _ in handle)
    print(f"{path.name}: {total:,} lines, {path.stat().st_size / 1e6:.0f} MB")
    return path, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{generate(args.path, args.lines, seed=args.seed)} lines written to {args.path}")


if __name__ == "__main__":
    main()
