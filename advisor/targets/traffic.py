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
import pandas as pd

from advisor.errors import InputError, NotFoundError, TargetError, UsageError
from advisor.targets._base import Target
from advisor.targets.local import ThrottledError

TIMESTAMP_COLUMN = "timestamp"
PERCENTILES = (50, 90, 95, 99)


def read_arrivals(path: Path) -> np.ndarray:
    """Arrival times of a trace CSV in seconds from its first request, sorted.

    Raises:
        NotFoundError: the file does not exist.
        InputError: no ``timestamp`` column, or a value that is neither epoch seconds
            nor ISO 8601 (the message names the line).
    """
    if not path.is_file():
        raise NotFoundError(f"trace {path} does not exist")
    try:
        frame = pd.read_csv(path, dtype={TIMESTAMP_COLUMN: str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"trace {path} is not a readable CSV: {exc}") from exc
    if TIMESTAMP_COLUMN not in frame.columns:
        raise InputError(f"trace {path} has no '{TIMESTAMP_COLUMN}' column (it has: "
                         f"{', '.join(map(str, frame.columns))})",
                         hint="Add a timestamp column with epoch seconds or ISO 8601 times.")
    seconds = _to_seconds(frame[TIMESTAMP_COLUMN], path)
    if len(seconds) == 0:
        raise InputError(f"trace {path} has no requests")
    seconds = np.sort(seconds)
    return seconds - seconds[0]


def _to_seconds(column: pd.Series, path: Path) -> np.ndarray:
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=float)
    times = pd.to_datetime(column, errors="coerce", utc=True, format="ISO8601")
    bad = times.isna()
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # header is line 1
        raise InputError(f"{path}:{line}: timestamp {column.iloc[line - 2]!r} is neither epoch "
                         "seconds nor ISO 8601", hint="Fix or remove that line.")
    return (times - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()


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
            "cold_start_rate": cold / len(self.records) if self.records else 0.0,
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
