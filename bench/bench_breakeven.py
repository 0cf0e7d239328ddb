"""Break-even benchmark: the default lineup (14 platform models) at the default seven volumes.

    .venv/bin/python bench/bench_breakeven.py [--runs 3]

Workload: the bundled Azure Functions 2019 function 543bec406831 (3,192 invocations over one
day, traces/azure2019-543bec406831_*), so x100 replays 319,200 requests on each platform; GPU
times 1:40,8:95,32:260. Prints the median wall time of the library call (trace already read,
kernels compiled), per run and per platform-volume.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from advisor.breakeven import GpuTimes, Service, breakeven
from advisor.breakeven.lineup import Lineup
from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import read_trace_file
from advisor.sla import Sla

REPO = Path(__file__).resolve().parents[1]
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    catalog = PriceCatalog.bundled()
    trace = read_trace_file(TRACE, function="543bec406831")
    service = Service(gpu=GpuTimes.parse("1:40,8:95,32:260"), batch=8, batch_wait_ms=50.0)
    models = Lineup().models(catalog, trace)  # Lambda at the measured memory
    sla = Sla.parse("p95=2s")
    breakeven(trace, models, service, sla, factors=(1.0,))  # compile and load outside the timing
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        study = breakeven(trace, models, service, sla)
        times.append(time.perf_counter() - started)
    cells = len(models) * len(study.results)
    median = statistics.median(times)
    print(f"requests {len(trace):,}; {len(models)} platforms x {len(study.results)} volumes = {cells} evaluations")
    print(f"breakeven: median {median:.2f} s of {args.runs} runs ({', '.join(f'{t:.2f}' for t in times)}); "
          f"{median / cells * 1000:.0f} ms per platform-volume")


if __name__ == "__main__":
    main()
