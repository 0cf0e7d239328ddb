"""Measure duration-against-memory curves of ML inference handlers through the local target.

Each curve is one handler and payload, measured at every size of ``--sizes`` in batches:
a batch starts a fresh LocalTarget per size (its first invocation is a cold start, whose
Init Duration is kept), then runs ``--warm`` rounds in which every size is invoked once in
turn (so a busy moment on the shared machine slows a round, not one size). Every invocation
is one row of the CSV, in the columns of the mbwilding S3 benchmark
(``runtime, arch, memory_mb, rep, duration, billed_duration, max_memory_used, init_duration``)
with ``curve`` first and ``batch``, ``status`` and ``load1`` (the 1-minute load average when
the invocation ended) last.

The local target gives a worker Lambda's CPU share through a cgroup quota (1,769 MB = one
vCPU) up to this machine's usable cores (:func:`advisor.targets._cgroup.usable_cores`), so
sizes above that share are not measured.

Usage: .venv/bin/python bench/measure_curves.py [--curves a,b] [--batches 2] [--warm 6]
       [--out bench/data/curves/local_ml.csv]
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

from advisor.platform.aws_lambda import MB_PER_VCPU
from advisor.targets import _cgroup
from advisor.targets.local import LocalTarget

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SIZES = (128, 256, 512, 768, 1024, 1536, 1769, 2304, 3008)
#: curve -> (handler, payload, smallest size). Work per request is about 0.1-0.2 s at one
#: vCPU. The scikit-learn handlers need 257-300 MB (Max Memory Used), so they start at 512 MB.
CURVES: dict[str, tuple[str, dict[str, int], int]] = {
    "rf_digits_1t": (f"{EXAMPLES}/digits_classifier.py:handler", {"images": 30_000}, 512),
    "rf_digits_2t": (f"{EXAMPLES}/digits_classifier.py:handler",
                     {"images": 30_000, "jobs": 2}, 512),
    "mlp_small_1t": (f"{EXAMPLES}/mlp_classifier.py:handler", {"images": 50_000}, 512),
    "dense_mlp_1t": (f"{EXAMPLES}/matmul_inference.py:handler", {"batch": 2048, "threads": 1}, 128),
    "dense_mlp_2t": (f"{EXAMPLES}/matmul_inference.py:handler", {"batch": 2048, "threads": 2}, 128),
    "hgb_digits_2t": (f"{EXAMPLES}/boosting_classifier.py:handler",
                      {"images": 5_000, "threads": 2}, 512),
}
COLUMNS = ("curve", "runtime", "arch", "memory_mb", "rep", "duration", "billed_duration",
           "max_memory_used", "init_duration", "batch", "status", "load1")
TIMEOUT_S = 120.0


def _row(curve: str, record: dict, rep: int, batch: int) -> dict[str, object]:
    init = record.get("init_ms")
    return {
        "curve": curve, "runtime": "python3.11", "arch": "x86_64",
        "memory_mb": record["memory_mb"], "rep": rep,
        "duration": round(record["duration_ms"], 2),
        "billed_duration": record["billed_duration_ms"],
        "max_memory_used": record["max_memory_used_mb"],
        "init_duration": "" if init is None else round(init, 2),
        "batch": batch, "status": record["status"], "load1": round(os.getloadavg()[0], 2),
    }


def measure(curve: str, sizes: tuple[int, ...], batches: int, warm: int) -> list[dict[str, object]]:
    """Every invocation of ``curve``: ``batches`` x (one cold start + ``warm`` rounds) per size."""
    handler, payload, smallest = CURVES[curve]
    sizes = tuple(m for m in sizes if m >= smallest)
    rows: list[dict[str, object]] = []
    rep = dict.fromkeys(sizes, 0)
    for batch in range(batches):
        targets = [LocalTarget(handler, memory_mb=m, timeout_s=TIMEOUT_S) for m in sizes]
        try:
            if not all(t.describe()["cpu_limited"] for t in targets):
                raise SystemExit(f"CPU is not limited by memory here: {targets[0].describe()}")
            for _ in range(warm + 1):
                for size, target in zip(sizes, targets, strict=True):
                    rows.append(_row(curve, target.invoke(payload), rep[size], batch))
                    rep[size] += 1
        finally:
            for target in targets:
                target.close()
        print(f"{curve} batch {batch} done, load {os.getloadavg()[0]:.2f}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", default=",".join(CURVES))
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--warm", type=int, default=6)
    parser.add_argument("--out", default=str(ROOT / "bench/data/curves/local_ml.csv"))
    args = parser.parse_args()
    most = _cgroup.usable_cores() * MB_PER_VCPU
    sizes = tuple(m for m in SIZES if m <= most)
    out = Path(args.out)
    new = not out.exists()
    with out.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        if new:
            writer.writeheader()
        for curve in args.curves.split(","):
            writer.writerows(measure(curve, sizes, args.batches, args.warm))
            handle.flush()


if __name__ == "__main__":
    main()
