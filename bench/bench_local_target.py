"""Local target figures: CPU share against memory, and cold starts of the examples.

Prints, for a single-threaded CPU-bound handler (the digits classifier example and a
pure-Python loop), the median warm duration at 885, 1,769 and 3,538 MB and the
ratios Lambda's CPU model predicts (2.0 and 1.0, as medians of per-round ratios); then
the median Init Duration of each example at 1,769 MB. Each figure is the median of RUNS
invocations (cold starts: of COLD_RUNS fresh targets). Run: ``.venv/bin/python bench/bench_local_target.py``.
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


def warm_figures(handler: str, payload: dict) -> tuple[dict[int, float], float, float, bool]:
    """Median warm duration per size, and the medians of the per-round ratios.

    The sizes take turns (one invocation each per round) so that a busy moment on the
    machine slows a whole round rather than one size.
    """
    targets = [LocalTarget(handler, memory_mb=m, timeout_s=60) for m in MEMORY_SIZES]
    try:
        for target in targets:
            target.invoke(payload)  # the cold start is not measured here
        rounds = [[t.invoke(payload)["duration_ms"] for t in targets] for _ in range(RUNS)]
        limited = all(t.describe()["cpu_limited"] for t in targets)
    finally:
        for target in targets:
            target.close()
    medians = {m: statistics.median(r[i] for r in rounds) for i, m in enumerate(MEMORY_SIZES)}
    slower = statistics.median(r[0] / r[1] for r in rounds)
    faster = statistics.median(r[2] / r[1] for r in rounds)
    return medians, slower, faster, limited


def cold_median_ms(handler: str, memory_mb: int) -> float:
    inits = []
    for _ in range(COLD_RUNS):
        with LocalTarget(handler, memory_mb=memory_mb, timeout_s=60) as target:
            inits.append(target.invoke({})["init_ms"])
    return statistics.median(inits)


def main() -> None:
    print(f"warm duration, median of {RUNS} interleaved rounds (ms)")
    for name, (handler, payload) in CPU_BOUND.items():
        medians, slower, faster, limited = warm_figures(handler, payload)
        print(f"  {name}: " + ", ".join(f"{m} MB {v:.1f}" for m, v in medians.items())
              + f" | 885/1769 = {slower:.2f} (Lambda: 2.00), 3538/1769 = {faster:.2f} (Lambda: 1.00)"
              + ("" if limited else "  [CPU NOT LIMITED]"))
    print(f"cold start Init Duration at 1769 MB, median of {COLD_RUNS} (ms)")
    for example in EXAMPLES:
        print(f"  {example}: {cold_median_ms(f'{ROOT}/examples/{example}.py:handler', 1769):.1f}")


if __name__ == "__main__":
    main()
