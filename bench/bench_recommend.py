"""Recommend benchmark: ``advisor recommend`` on the bundled function, as a newcomer runs it.

    .venv/bin/python bench/bench_recommend.py [--runs 5]

Workspace: a fresh one with the bundled Azure Functions 2019 function 543bec406831 imported
(3,192 invocations over one day, one memory size), and the same with a tuning's records beside
it (the test suite's curve target at 192-1,792 MB: a duration model, about 12 sizes x 4
keep-warm strategies replayed). Prints the median wall time of the whole command in a new
process (start-up, imports and the default break-even included) and of the library call alone,
wall and CPU time (user + system: the figure to read on a shared, loaded machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
FUNCTION = "543bec406831"
CURVE = f"{REPO / 'tests' / 'tune' / 'plugin_target.py'}:CurveFunction"


def advisor(workspace: Path, *args: str, cpu: list[float] | None = None) -> float:
    """Run ``advisor ARGS`` in a new process; its wall time (s), its CPU time (user + system)
    appended to ``cpu``."""
    env = dict(os.environ, ADVISOR_HOME=str(workspace), COLUMNS="100", NO_COLOR="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "advisor", *args], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def library(workspace: Path, sla: str, cpu: list[float] | None = None) -> float:
    """One library call of ``recommend()`` (default break-even included); its wall time (s), its
    CPU time appended to ``cpu``."""
    from advisor.context import Context
    from advisor.recommend import RecommendSettings, recommend
    from advisor.sla import Sla

    started, cpu_started = time.perf_counter(), time.process_time()
    with Context.resolve(workspace) as ctx:
        recommend(ctx, FUNCTION, RecommendSettings(Sla.parse(sla)))
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return time.perf_counter() - started


def report(name: str, times: list[float], cpu: list[float]) -> None:
    print(f"{name}: median {statistics.median(times):.2f} s wall, {statistics.median(cpu):.2f} s CPU, of "
          f"{len(times)} runs (wall {', '.join(f'{t:.2f}' for t in times)})")


def case(workspace: Path, name: str, sla: str, runs: int) -> None:
    cpu: list[float] = []
    report(f"{name}, command", [advisor(workspace, "recommend", FUNCTION, "--sla", sla, cpu=cpu)
                                for _ in range(runs)], cpu)
    cpu = []
    report(f"{name}, library", [library(workspace, sla, cpu) for _ in range(runs)], cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        advisor(workspace, "import", "trace", str(TRACE))
        library(workspace, "p95=40s")  # compile and load outside the timing
        case(workspace, "bundled function, one measured size", "p95=40s", args.runs)
        advisor(workspace, "tune", FUNCTION, "--target", CURVE, "--target-option", "fail_below_mb=200", "--memory",
                "128..3008", "--sla", "p95=1500ms", "--yes")
        case(workspace, "with a tuning's records, a duration model", "p95=2s", args.runs)
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
