"""Replay engine benchmark: speed, memory and the simfaas ratio; ``advisor replay --trace`` end to end.

    .venv/bin/python bench/bench_replay.py [--requests 10000000] [--runs 5] [--simfaas-requests 100000]

Workload (issue 4): Poisson arrivals at 50 requests/s, 200 ms service, keep-alive 10 min,
routing newest, 10 million requests. Prints medians of several runs; numba compile time
(fresh cache) and cache-load time are measured in subprocesses and reported apart. Memory
per request is tracemalloc's peak over a replay plus its summary (numpy's allocations; the
kernel's own arrays are sized by the pool, not the requests), beyond the input arrays, which
exist before; and the resident memory the result keeps. simfaas 0.2.2 runs on a prefix of the same input (it is
too slow for all of it) through the driver of tests/simulate/test_simfaas_equality.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "_out"
RATE_PER_S = 50.0
SERVICE_MS = 200.0
KEEP_ALIVE_S = 600.0
INIT_MS = 300.0
CSV_ROWS = 4_000_000


def workload(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.exponential(1 / RATE_PER_S, n)), np.full(n, SERVICE_MS)


def replay_rate(n: int, runs: int) -> tuple[float, float, dict]:
    from advisor.simulate import ReplayConfig, replay

    arrivals, service = workload(n)
    config = ReplayConfig(keep_alive_s=KEEP_ALIVE_S, routing="newest")
    replay(arrivals[:100], service[:100], config, init_ms=INIT_MS)  # load the cached kernel
    times, cpu_times, summary_times = [], [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        result = replay(arrivals, service, config, init_ms=INIT_MS)
        mid = time.perf_counter()
        cpu_times.append(time.process_time() - cpu)
        summary = result.summary()
        summary_times.append(time.perf_counter() - mid)
        times.append(mid - start)
        del result
    return n / statistics.median(times), n / statistics.median(cpu_times), statistics.median(summary_times), summary


def simfaas_rate(n: int) -> tuple[float, float, int, int]:
    """(simfaas requests/s, ours on the same prefix, simfaas cold starts, ours)."""
    spec = importlib.util.spec_from_file_location("simfaas_driver", REPO / "tests/simulate/test_simfaas_equality.py")
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    from advisor.simulate import ReplayConfig, replay

    arrivals, service = workload(n)
    gaps = np.diff(arrivals, prepend=0.0)
    ours = replay(arrivals, service, ReplayConfig(keep_alive_s=KEEP_ALIVE_S), init_ms=INIT_MS)
    start = time.perf_counter()
    theirs = driver.run_simfaas(gaps, service, keep_alive_s=KEEP_ALIVE_S, init_ms=INIT_MS,
                                horizon_s=ours.horizon_s + arrivals[0])
    simfaas_s = time.perf_counter() - start
    ours_times = []
    for _ in range(3):
        start = time.perf_counter()
        replay(arrivals, service, ReplayConfig(keep_alive_s=KEEP_ALIVE_S), init_ms=INIT_MS)
        ours_times.append(time.perf_counter() - start)
    return n / simfaas_s, n / statistics.median(ours_times), theirs["cold"], int(ours.cold.sum())


MEMORY_PROBE = """
import sys, tracemalloc, numpy as np
sys.path.insert(0, {bench!r})
from bench_replay import workload, KEEP_ALIVE_S, INIT_MS
from advisor.simulate import ReplayConfig, replay
n = {n}
arrivals, service = workload(n)
replay(arrivals[:100], service[:100], ReplayConfig(), init_ms=INIT_MS)
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
tracemalloc.start()
before = rss()
result = replay(arrivals, service, ReplayConfig(keep_alive_s=KEEP_ALIVE_S), init_ms=INIT_MS)
result.summary()
held = rss() - before
peak = tracemalloc.get_traced_memory()[1]
print(peak / n, held / n)
"""

COMPILE_PROBE = """
import time, numpy as np
start = time.perf_counter()
from advisor.simulate import ReplayConfig, replay
imported = time.perf_counter()
replay(np.arange(10.0), np.ones(10), ReplayConfig(), init_ms=1.0)
print(imported - start, time.perf_counter() - imported)
"""


def bytes_per_request(n: int) -> tuple[float, float]:
    """(peak traced bytes/request during replay + summary, bytes/request the result keeps)."""
    code = MEMORY_PROBE.format(bench=str(REPO / "bench"), n=n)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    peak, held = out.stdout.split()
    return float(peak), float(held)


def compile_times() -> tuple[float, float, float]:
    """(fresh compile s, cache load s, import s) of the kernel, each in a new process."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        first = subprocess.run([sys.executable, "-c", COMPILE_PROBE], env=env, check=True, capture_output=True,
                               text=True).stdout.split()
        second = subprocess.run([sys.executable, "-c", COMPILE_PROBE], env=env, check=True, capture_output=True,
                                text=True).stdout.split()
    return float(first[1]), float(second[1]), float(second[0])


REPLAY_PATH_ONLY = """
import json, sys
from pathlib import Path
from advisor.simulate.inputs import load_trace
from advisor.simulate.scenarios import Scenario, run_scenarios, ReplayConfig
trace = load_trace(function=None, trace_path=Path(sys.argv[1]))
result = run_scenarios(trace, [Scenario("base", ReplayConfig(), init_ms=300.0)])[0][1]
print(json.dumps(result.summary()))
"""


def cli_rate(runs: int) -> tuple[float, float, float]:
    """(median wall s, requests/s) of ``advisor replay --trace`` on a 4M-row CSV, end to end."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = OUT / "trace_4m.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(1)
        stamps = 1.7e9 + np.cumsum(rng.exponential(1 / RATE_PER_S, CSV_ROWS))
        table = pa.table({"timestamp": np.round(stamps, 3),
                          "duration_ms": np.round(rng.lognormal(np.log(SERVICE_MS), 0.3, CSV_ROWS), 2)})
        pacsv.write_csv(table, path)
    advisor = Path(sys.executable).with_name("advisor")
    walls, alone = [], []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(advisor), "replay", "--trace", str(path), "--init-ms", "300", "--json"], check=True,
                       capture_output=True)
        walls.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", REPLAY_PATH_ONLY, str(path)], check=True, capture_output=True)
        alone.append(time.perf_counter() - start)
    wall = statistics.median(walls)
    return wall, CSV_ROWS / wall, statistics.median(alone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--simfaas-requests", type=int, default=100_000)
    parser.add_argument("--cli-runs", type=int, default=3)
    args = parser.parse_args()
    compile_s, load_s, import_s = compile_times()
    print(f"kernel compile (fresh cache): {compile_s:.1f} s; cached load: {load_s:.2f} s; import: {import_s:.2f} s")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (wall rates suffer when it is high)")
    rate, cpu_rate, summary_s, summary = replay_rate(args.requests, args.runs)
    print(f"replay: {args.requests:,} requests, median of {args.runs}: {rate / 1e6:.2f} M simulated requests/s wall, "
          f"{cpu_rate / 1e6:.2f} M/s per CPU-second "
          f"(summary() {summary_s:.2f} s more); cold starts {summary['cold_starts']}, "
          f"instances max {summary['instances']['max']}")
    simfaas, ours_prefix, cold_theirs, cold_ours = simfaas_rate(args.simfaas_requests)
    print(f"simfaas 0.2.2 on the first {args.simfaas_requests:,}: {simfaas:,.0f} requests/s "
          f"(cold starts {cold_theirs} vs ours {cold_ours}); ours on that prefix {ours_prefix / 1e6:.2f} M/s; "
          f"ratio {ours_prefix / simfaas:,.0f}x (prefix), {rate / simfaas:,.0f}x (10M rate)")
    peak, held = bytes_per_request(args.requests)
    print(f"memory beyond the input arrays: peak {peak:.1f} bytes/request during replay + summary "
          f"(tracemalloc), {held:.1f} bytes/request held by the result (RSS)")
    wall, cli, alone = cli_rate(args.cli_runs)
    print(f"advisor replay --trace ({CSV_ROWS:,}-row CSV) end to end: median {wall:.2f} s = "
          f"{cli / 1e6:.2f} M requests/s; the replay path alone (new python, replay imports, parse, replay, "
          f"summary, JSON; without the other commands' imports): {alone:.2f} s = {CSV_ROWS / alone / 1e6:.2f} M/s")
    print(f"(peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
