"""Time pricing 10 million invocation records (exact Decimal result); prints the median of several runs.

Usage: .venv/bin/python bench/bench_pricing.py [--records N] [--runs K]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from advisor.pricing import lambda_records_cost

DEFAULT_RECORDS = 10_000_000
DEFAULT_RUNS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    billed = pd.Series(rng.integers(1, 30_000, size=args.records), dtype="Int64")  # as the store returns them
    memory = pd.Series(rng.choice([512, 1024, 2048], size=args.records), dtype="Int64")
    on_pc = rng.random(args.records) < 0.2
    lambda_records_cost(billed[:1000], memory[:1000])  # warm the catalog cache
    cases = {
        "int64 numpy, one memory": lambda: lambda_records_cost(billed.to_numpy("int64"), 1024),
        "nullable Int64 columns, per-record memory": lambda: lambda_records_cost(billed, memory),
        "float ms + provisioned mask": lambda: lambda_records_cost(billed.to_numpy("float64") + 0.3, memory, on_provisioned=on_pc),
    }
    for name, run in cases.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            cost = run()
            times.append(time.perf_counter() - start)
        print(f"{args.records:,} records, {name}: median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs); total ${cost.total_usd}")


if __name__ == "__main__":
    main()
