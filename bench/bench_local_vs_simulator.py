"""Cold starts of a real local replay against the replay simulator's prediction interval.

Replays the bundled Azure Functions 2021 trace (199 arrivals over 20 minutes,
``examples/traces``) through ``advisor local replay`` (real workers, time and
keep-alive compressed by SPEEDUP), then asks the simulator for a 95% prediction interval
of the cold starts and throttles (:func:`advisor.simulate.uncertainty.predict_interval`):
the same compressed arrivals, the compressed keep-alive, the concurrency limit and the
same routing, over DRAWS Monte Carlo replays whose per-request service times, init times
and send delays are drawn from that local run's own measured durations, Init Durations
and send lags. Also prints the single replay with each request's own measured inputs.
Repeats RUNS times and prints one line per run.

Run: ``.venv/bin/python bench/bench_local_vs_simulator.py [HANDLER MEMORY_MB KEEP_ALIVE_S MAX_CONCURRENCY RUNS SPEEDUP]``
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

from advisor.simulate import ReplayConfig, replay
from advisor.simulate.uncertainty import predict_interval
from advisor.targets.local import DEFAULT_ROUTING
from advisor.targets.runs import replay_local
from advisor.targets.traffic import ReplayRun, read_arrivals

ROOT = Path(__file__).resolve().parents[1]
TRACE = ROOT / "examples" / "traces" / "azure2021_arrivals.csv"
DRAWS = 200
DEFAULTS = (f"{ROOT}/examples/io_wait.py:handler", "1769", "60", "16", "3", "20")


def main(argv: list[str]) -> None:
    handler, memory, keep_alive, concurrency, runs, speed = (list(argv) + list(DEFAULTS[len(argv):]))[:6]
    memory_mb, keep_alive_s, max_concurrency, speedup = int(memory), float(keep_alive), int(concurrency), float(speed)
    arrivals = read_arrivals(TRACE) / speedup
    config = ReplayConfig(keep_alive_s=keep_alive_s / speedup, max_concurrency=max_concurrency,
                          routing=DEFAULT_ROUTING)
    print(f"handler {handler} at {memory_mb} MB, keep-alive {keep_alive_s:g} s, speedup {speedup:g}x, "
          f"max concurrency {max_concurrency}, routing {DEFAULT_ROUTING}, {DRAWS} draws, 95% intervals")
    for number in range(1, int(runs) + 1):
        run = replay_local(handler, TRACE, memory_mb=memory_mb, keep_alive_s=keep_alive_s,
                           speedup=speedup, max_concurrency=max_concurrency, timeout_s=30)
        report(number, run, arrivals, config)


def report(number: int, run: ReplayRun, arrivals: np.ndarray, config: ReplayConfig) -> None:
    local = run.summary()
    durations = np.array([r["duration_ms"] for r in run.records])
    inits = np.array([r["init_ms"] for r in run.records if r["init_ms"] is not None])
    lags = np.array(run.lag_ms)
    predicted = predict_interval(arrivals, config, service_samples_ms=durations, init_samples_ms=inits,
                                 arrival_jitter_ms=lags, draws=DRAWS)
    cold, throttled = predicted.cold_starts, predicted.throttled
    print(f"run {number}: local {local['cold_starts']} cold, {local['throttled']} throttled | "
          f"simulator cold {cold.low}-{cold.high} (median {cold.median:g}) inside={cold.contains(local['cold_starts'])}, "
          f"throttled {throttled.low}-{throttled.high} (median {throttled.median:g}) "
          f"inside={throttled.contains(local['throttled'])} | own inputs {own_inputs(run, arrivals, config)} | "
          f"init median {np.median(inits):.0f} ms (max {inits.max():.0f}), duration median "
          f"{np.median(durations):.0f} ms, send lag p50 {np.median(lags):.1f} max {lags.max():.1f} ms, "
          f"peak concurrency {local['peak_concurrency']}, oversubscribed {local['cpu_oversubscribed']}",
          flush=True)


def own_inputs(run: ReplayRun, arrivals: np.ndarray, config: ReplayConfig) -> str:
    """The one replay with each request's own measured duration, init and send time."""
    fill = statistics.median(r["duration_ms"] for r in run.records)
    inits = [r["init_ms"] for r in run.records if r["init_ms"] is not None]
    service = np.array([fill if r is None else r["duration_ms"] for r in run.by_arrival])
    init = np.array([statistics.median(inits) if r is None or r["init_ms"] is None else r["init_ms"]
                     for r in run.by_arrival])
    sent = arrivals + np.array(run.lag_ms) / 1000.0
    order = np.argsort(sent, kind="stable")
    summary = replay(sent[order], service[order], config, init_ms=init[order]).summary()
    return f"{summary['cold_starts']} cold, {summary['throttled']} throttled"


if __name__ == "__main__":
    main(sys.argv[1:])
