"""Keep-warm search benchmark: the time of one ``cheapest_keep_warm`` call, the tuner's inner step.

    .venv/bin/python bench/bench_keepwarm.py [--runs 7] [--sizes 40]

The tuner calls it once per memory candidate per step, for dozens of sizes. Workloads: the
bundled trace (``traces/azure2019-543bec406831_inv.csv``: one real function's day, 3,192
requests) and a steady day at 1 request/s (86,400 requests), with requests of 500 ms, and the
same day with requests of 10 s (ten busy instances: provisioned ones pay, so every family is
searched). Draws: a sample of 200 warm durations (lognormal, sigma 0.3, around the median) and
50 init times (median 2 s), the pessimistic ones 15% longer; SLA p95 = 2x the median warm
duration; 1,024 MB x86_64 in us-east-1. Prints, per workload and
strategy set, the median wall and CPU time of a call over ``--runs`` runs (after one warm-up
call that loads the compiled kernels), the settings it replayed, what it chose, and ``--sizes``
calls at as many memory sizes in a row (what one tuning step costs).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import Trace, read_trace_file
from advisor.sla import Sla
from advisor.tune.keepwarm import STRATEGIES, KeepWarmChoice, cheapest_keep_warm
from advisor.tune.traffic import steady_rate

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "traces" / "azure2019-543bec406831_inv.csv"
SPREAD = 1.15
CATALOG = PriceCatalog.bundled()


def draws(warm_ms: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.lognormal(np.log(warm_ms), 0.3, 200), rng.lognormal(np.log(2000.0), 0.3, 50)


def call(trace: Trace, warm_ms: float, strategies: tuple[str, ...], memory_mb: int = 1024) -> KeepWarmChoice:
    warm, init = draws(warm_ms)
    scale = 1024 / memory_mb  # a CPU-bound function: faster with more memory
    return cheapest_keep_warm(
        trace, memory_mb=memory_mb, architecture="x86_64", warm_ms=warm * scale, init_ms=init,
        warm_ms_upper=warm * scale * SPREAD, init_ms_upper=init * SPREAD, sla=sla(warm_ms),
        strategies=strategies, catalog=CATALOG, region="us-east-1")


def sla(warm_ms: float) -> Sla:
    return Sla.parse(f"p95={2 * warm_ms:g}ms")


def timed(trace: Trace, warm_ms: float, strategies: tuple[str, ...], runs: int) -> tuple[float, float, KeepWarmChoice]:
    """Median wall and CPU seconds of a call (CPU: less moved by other work on a shared machine)."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        choice = call(trace, warm_ms, strategies)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), choice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", type=int, default=40)
    args = parser.parse_args()
    day = steady_rate(1.0)
    workloads = {"bundled trace, 500 ms": (read_trace_file(BUNDLED), 500.0), "steady 1/s day, 500 ms": (day, 500.0),
                 "steady 1/s day, 10 s": (day, 10_000.0)}
    call(read_trace_file(BUNDLED), 500.0, STRATEGIES)  # loads the cached kernels (compiles them once ever)
    print(f"median of {args.runs} runs per figure; pessimistic draws x{SPREAD}")
    for name, (trace, warm_ms) in workloads.items():
        print(f"\n{name}: {len(trace):,} requests, SLA {sla(warm_ms)}")
        for strategies in [*((kind,) for kind in STRATEGIES), STRATEGIES]:
            seconds, cpu, choice = timed(trace, warm_ms, strategies, args.runs)
            label = ",".join(strategies) if len(strategies) < len(STRATEGIES) else "all four"
            print(f"  {label:<12} {seconds * 1000:7.1f} ms/call ({cpu * 1000:7.1f} CPU)  {choice.evaluated:2d} settings"
                  f"  -> {choice.keep_warm.describe()}"
                  f"{'' if choice.feasible else ' (infeasible)'}, ${choice.monthly_cost_usd:,.2f}/month")
        sizes = np.linspace(512, 3008, args.sizes).astype(int)
        start, start_cpu = time.perf_counter(), time.process_time()
        for memory in sizes:
            call(trace, warm_ms, STRATEGIES, int(memory))
        print(f"  {args.sizes} memory sizes {sizes[0]}-{sizes[-1]} MB, all four strategies: "
              f"{time.perf_counter() - start:.2f} s ({time.process_time() - start_cpu:.2f} CPU s)")


if __name__ == "__main__":
    main()
