"""Local target figures: CPU share against memory, and cold starts of the examples.

Prints, for a single-threaded CPU-bound handler (the digits classifier example and a
pure-Python loop), the median warm duration at 885, 1,769 and 3,538 MB and the
ratios Lambda's CPU model predicts (2.0 and 1.0); then the median Init Duration of
each example at 1,769 MB. Each figure is the median of RUNS invocations (cold starts:
of COLD_RUNS fresh targets). Run: ``.venv/bin/python bench/bench_local_target.py``.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from advisor.targets.local import LocalTarget

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
COLD_RUNS = 3
MEMORY_SIZES = (885, 1769, 3538)
CPU_BOUND = {
    "digits_classifier (predict 40,000 images)": (f"{ROOT}/examples/digits_classifier.py:handler", {}),
    "pure-Python loop (3M iterations)": (f"{ROOT}/tests/targets/handlers.py:spin", {"n": 3_000_000}),
}
EXAMPLES = ("digits_classifier", "io_wait", "heavy_init")


def warm_median_ms(handler: str, payload: dict, memory_mb: int) -> tuple[float, bool]:
    with LocalTarget(handler, memory_mb=memory_mb, timeout_s=60) as target:
        target.invoke(payload)  # the cold start is not measured here
        durations = [target.invoke(payload)["duration_ms"] for _ in range(RUNS)]
        return statistics.median(durations), target.describe()["cpu_limited"]


def cold_median_ms(handler: str, memory_mb: int) -> float:
    inits = []
    for _ in range(COLD_RUNS):
        with LocalTarget(handler, memory_mb=memory_mb, timeout_s=60) as target:
            inits.append(target.invoke({})["init_ms"])
    return statistics.median(inits)


def main() -> None:
    print(f"warm duration, median of {RUNS} (ms)")
    for name, (handler, payload) in CPU_BOUND.items():
        medians = {}
        for memory_mb in MEMORY_SIZES:
            medians[memory_mb], limited = warm_median_ms(handler, payload, memory_mb)
        print(f"  {name}: " + ", ".join(f"{m} MB {v:.1f}" for m, v in medians.items())
              + f" | 885/1769 = {medians[885] / medians[1769]:.2f} (Lambda: 2.00),"
              f" 3538/1769 = {medians[3538] / medians[1769]:.2f} (Lambda: 1.00)"
              + ("" if limited else "  [CPU NOT LIMITED]"))
    print(f"cold start Init Duration at 1769 MB, median of {COLD_RUNS} (ms)")
    for example in EXAMPLES:
        print(f"  {example}: {cold_median_ms(f'{ROOT}/examples/{example}.py:handler', 1769):.1f}")


if __name__ == "__main__":
    main()
