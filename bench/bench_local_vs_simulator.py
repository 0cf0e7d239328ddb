"""Cold starts of a real local replay against the replay simulator's prediction.

Replays the bundled Azure Functions 2021 trace (199 arrivals over 20 minutes,
``examples/traces``) through ``advisor local replay`` (real workers, time and
keep-alive compressed by SPEEDUP), then gives the simulator the same compressed
arrivals, each request's measured duration, the measured init times (as empirical
samples), the compressed keep-alive, the concurrency limit and the same routing, and
reports its cold starts over SEEDS seeds (the interval is min-max over the seeds), and
once more with each request's own measured init time.

Run: ``.venv/bin/python bench/bench_local_vs_simulator.py [HANDLER MEMORY_MB KEEP_ALIVE_S MAX_CONCURRENCY]``
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

from advisor.simulate import EmpiricalInit, ReplayConfig, replay
from advisor.targets.local import DEFAULT_ROUTING
from advisor.targets.runs import replay_local
from advisor.targets.traffic import read_arrivals

ROOT = Path(__file__).resolve().parents[1]
TRACE = ROOT / "examples" / "traces" / "azure2021_arrivals.csv"
SPEEDUP = 20.0
MAX_CONCURRENCY = 24
SEEDS = 20
DEFAULTS = (f"{ROOT}/examples/io_wait.py:handler", "1769", "60", str(MAX_CONCURRENCY))


def main(argv: list[str]) -> None:
    handler, memory, keep_alive, concurrency = (list(argv) + list(DEFAULTS[len(argv):]))[:4]
    memory_mb, keep_alive_s, max_concurrency = int(memory), float(keep_alive), int(concurrency)
    run = replay_local(handler, TRACE, memory_mb=memory_mb, keep_alive_s=keep_alive_s,
                       speedup=SPEEDUP, max_concurrency=max_concurrency, timeout_s=30)
    local = run.summary()
    durations = [r["duration_ms"] for r in run.records]
    inits = [r["init_ms"] for r in run.records if r["init_ms"] is not None]
    fill = statistics.median(durations)
    service = np.array([fill if r is None else r["duration_ms"] for r in run.by_arrival])
    arrivals = read_arrivals(TRACE) / SPEEDUP
    config = ReplayConfig(keep_alive_s=keep_alive_s / SPEEDUP, max_concurrency=max_concurrency,
                          routing=DEFAULT_ROUTING)
    predicted = [replay(arrivals, service, config, init_ms=EmpiricalInit(np.array(inits)), seed=s)
                 .summary() for s in range(SEEDS)]
    init_median = statistics.median(inits)
    measured_init = np.array([init_median if r is None or r["init_ms"] is None else r["init_ms"]
                              for r in run.by_arrival])
    same_inputs = replay(arrivals, service, config, init_ms=measured_init).summary()
    colds = sorted(p["cold_starts"] for p in predicted)
    throttles = sorted(p["throttled"] for p in predicted)
    inside = colds[0] <= local["cold_starts"] <= colds[-1]
    print(f"handler {handler} at {memory_mb} MB, keep-alive {keep_alive_s:g} s, speedup {SPEEDUP:g}x, "
          f"max concurrency {max_concurrency}, routing {DEFAULT_ROUTING}, "
          f"cpu_limited={run.describe['cpu_limited']}")
    print(f"local replay: {local['requests']} requests, {local['cold_starts']} cold starts, "
          f"{local['throttled']} throttled, {local['environments']} environments, "
          f"init median {statistics.median(inits):.1f} ms (min {min(inits):.1f}, max {max(inits):.1f}), "
          f"duration median {fill:.1f} ms, wall {local['wall_s']:.1f} s, peak concurrency "
          f"{local['peak_concurrency']}, send lag p50 {local['send_lag_ms']['p50']:.1f} ms "
          f"max {local['send_lag_ms']['max']:.1f} ms")
    print(f"simulator over {SEEDS} seeds: cold starts min {colds[0]} median {statistics.median(colds):g} "
          f"max {colds[-1]}; throttled {throttles[0]}-{throttles[-1]}")
    print(f"simulator with each request's measured init (median where it was warm locally): "
          f"{same_inputs['cold_starts']} cold starts, {same_inputs['throttled']} throttled")
    print(f"local cold starts inside the simulator's interval: {inside}; "
          f"difference {local['cold_starts'] - statistics.median(colds):+g} "
          f"({(local['cold_starts'] - statistics.median(colds)) / statistics.median(colds):+.1%})")


if __name__ == "__main__":
    main(sys.argv[1:])
