"""Traffic for targets: read a trace's arrival times and send them with real concurrency.

A trace is a CSV with a ``timestamp`` column (epoch seconds or ISO 8601) and
optionally ``duration_ms`` and others (ignored here: the handler's real duration is
what gets measured). :func:`send_arrivals` fires each request at its arrival time,
compressed by ``speedup``, in its own thread, so overlapping requests really
overlap and get their own execution environments.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from advisor.errors import InputError, TargetError, UsageError
from advisor.targets._base import Target
from advisor.targets.local import ThrottledError
from advisor.units import NS_PER_S

PERCENTILES = (50, 90, 95, 99)


def read_arrivals(path: Path, *, function: str | None = None) -> np.ndarray:
    """Arrival times of a trace's requests in seconds from its first request, sorted.

    The trace is read by :func:`advisor.logs.traces.read_arrivals`, the reader every command
    uses: any trace ``advisor import trace`` reads, or a CSV with a ``timestamp`` column.

    Raises:
        NotFoundError: the file does not exist.
        InputError: no ``timestamp`` column, a bad value (the message names the line), or no
            requests.
    """
    from advisor.logs.traces import read_arrivals as read_trace_arrivals

    ns = read_trace_arrivals(path, function=function)
    if ns.size == 0:
        raise InputError(f"trace {path} has no requests.", hint="Pass a trace with at least one request.")
    return (ns - ns[0]) / NS_PER_S


@dataclass
class ReplayRun:
    """What a replay produced.

    Attributes:
        by_arrival: per arrival, in trace order, its record, or None when throttled.
        wall_s: how long the replay took.
        speedup: the time compression used.
        describe: the target's :meth:`~advisor.targets.Target.describe`.
    """

    by_arrival: list[dict[str, Any] | None]
    wall_s: float
    speedup: float
    describe: dict[str, Any] = field(default_factory=dict)
    #: Per arrival, how late (ms) its request was sent compared with its scheduled time.
    lag_ms: list[float] = field(default_factory=list)

    @property
    def records(self) -> list[dict[str, Any]]:
        """The records of the served requests, in arrival order."""
        return [r for r in self.by_arrival if r is not None]

    @property
    def throttled(self) -> int:
        """Requests rejected at the concurrency limit."""
        return sum(r is None for r in self.by_arrival)

    def cpu_oversubscribed(self) -> bool:
        """Whether the busiest moment needed more vCPU than this machine gives the workers.

        Then workers got less than their share, and durations and init times are slower
        than Lambda's (where every environment has its own vCPU).
        """
        if not self.describe.get("cpu_limited"):
            return False
        demand = peak_concurrency(self.records) * self.describe["vcpus"]
        return demand > self.describe["usable_cores"] + 1e-9

    def summary(self) -> dict[str, Any]:
        """Requests, cold starts, throttles, failures and latency percentiles (init + duration)."""
        latency = np.array([r["duration_ms"] + (r["init_ms"] or 0.0) for r in self.records])
        cold = sum(r["init_ms"] is not None for r in self.records)
        requests = len(self.records) + self.throttled
        return {
            "requests": requests,
            "served": len(self.records),
            "cold_starts": cold,
            "cold_start_rate": cold / len(self.records) if self.records else None,
            "throttled": self.throttled,
            "errors": sum(r["status"] == "error" for r in self.records),
            "timeouts": sum(r["status"] == "timeout" for r in self.records),
            "environments": len({r["log_stream"] for r in self.records}),
            "peak_concurrency": peak_concurrency(self.records),
            "cpu_oversubscribed": self.cpu_oversubscribed(),
            "latency_ms": {f"p{q}": float(np.percentile(latency, q)) if len(latency) else None
                           for q in PERCENTILES},
            "send_lag_ms": {"p50": _percentile(self.lag_ms, 50), "max": max(self.lag_ms, default=None)},
            "wall_s": self.wall_s,
            "speedup": self.speedup,
        }


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def peak_concurrency(records: list[dict[str, Any]]) -> int:
    """The most invocations that ran at once (from their start and end times)."""
    edges = sorted([(r["start_time"], 1) for r in records] + [(r["end_time"], -1) for r in records],
                   key=lambda edge: (edge[0], edge[1]))  # an end before a start at the same instant
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def send_arrivals(target: Target, arrivals_s: np.ndarray, *, payload: Any = None,
                  speedup: float = 1.0,
                  on_done: Callable[[int], None] | None = None) -> ReplayRun:
    """Invoke ``target`` once per arrival, at ``arrivals_s / speedup`` seconds from now.

    Each request runs in its own thread, so requests overlap as in the trace. A
    throttled request (all environments busy at the concurrency limit) is counted,
    not retried. Durations are real and not compressed.

    Args:
        target: where to send; its ``invoke`` must be thread-safe.
        arrivals_s: arrival offsets in seconds (sorted).
        payload: the event sent with every request.
        speedup: time compression of the arrivals (2.0 = twice as fast).
        on_done: called with the number of finished requests after each one.

    Raises:
        UsageError: ``speedup`` is not positive.
        TargetError: an invocation failed to run at all (the first such error).
    """
    if speedup <= 0:
        raise UsageError(f"speedup {speedup} must be positive")
    results: list[dict[str, Any] | None] = [None] * len(arrivals_s)
    lag_ms = [0.0] * len(arrivals_s)
    scheduled = np.asarray(arrivals_s, dtype=float) / speedup
    errors: list[TargetError] = []
    done = 0
    lock = threading.Lock()

    def fire(index: int) -> None:
        nonlocal done
        lag_ms[index] = (time.monotonic() - started - scheduled[index]) * 1000.0
        try:
            results[index] = target.invoke(payload)
        except ThrottledError:
            pass  # stays None: counted as throttled
        except TargetError as exc:
            errors.append(exc)
        with lock:
            done += 1
            finished = done
        if on_done is not None:
            on_done(finished)

    threads: list[threading.Thread] = []
    started = time.monotonic()
    for index, offset in enumerate(scheduled):
        if errors:
            break
        delay = started + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=fire, args=(index,), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return ReplayRun(results, time.monotonic() - started, speedup, target.describe(), lag_ms)
