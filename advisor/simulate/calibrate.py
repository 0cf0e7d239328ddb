"""Calibration: the keep-alive and routing that best reproduce the cold starts in the logs.

Two kinds of evidence. The cold starts the logs report (``Init Duration``) are replayed
against a grid of keep-alives and every routing rule; the candidate whose simulated count is
closest to the observed one wins. The log streams (one per execution environment) show idle
gaps that environments survived: the keep-alive is at least the longest of them, so
candidates below it are only chosen when nothing else fits as well.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from advisor.errors import UsageError
from advisor.platform.aws_lambda import DEFAULT_KEEP_ALIVE_S
from advisor.simulate._base import ReplayConfig
from advisor.simulate.engine import replay
from advisor.simulate.inputs import Trace
from advisor.simulate.routing import DEFAULT_ROUTING, ROUTING_CODES
from advisor.units import MS_PER_S

#: Keep-alive candidates (seconds): 1 minute to 1 hour, denser where Lambda is observed (5-10 min).
KEEP_ALIVE_GRID_S = (60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 720, 900, 1200, 1800, 2700, 3600)
CONFIDENCE = 0.95


@dataclass
class Candidate:
    """One grid point and the cold starts it simulates."""

    keep_alive_s: float
    routing: str
    simulated_cold: int


@dataclass
class Calibration:
    """The fit, with the observed cold starts' exact binomial interval."""

    requests: int
    observed_cold: int
    interval: tuple[int, int]
    keep_alive_s: float
    routing: str
    simulated_cold: int
    stream_min_keep_alive_s: float | None
    idle_gaps_s: dict[str, float] | None
    candidates: list[Candidate] = field(default_factory=list)
    confidence: float = CONFIDENCE

    @property
    def consistent(self) -> bool:
        """Whether the simulated count lies in the observed count's interval."""
        return self.interval[0] <= self.simulated_cold <= self.interval[1]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "requests": self.requests,
            "observed_cold_starts": self.observed_cold,
            "observed_interval": {"confidence": self.confidence, "low": self.interval[0], "high": self.interval[1]},
            "best": {"keep_alive_s": self.keep_alive_s, "routing": self.routing,
                     "simulated_cold_starts": self.simulated_cold, "within_interval": self.consistent},
            "log_streams": None if self.idle_gaps_s is None else {
                "min_keep_alive_s": self.stream_min_keep_alive_s, "idle_gaps_s": self.idle_gaps_s},
            "candidates": [dataclasses.asdict(c) for c in self.candidates],
        }


def calibrate(trace: Trace, base: ReplayConfig | None = None, *, init_ms: float | None = None,
              seed: int = 0, grid_s: tuple[float, ...] = KEEP_ALIVE_GRID_S,
              on_step: Callable[[int, int], None] | None = None) -> Calibration:
    """Find the keep-alive and routing that best reproduce ``trace``'s observed cold starts.

    Args:
        trace: Requests with observed init times (NaN where warm), e.g. from the workspace.
        base: Other settings of the pool (provisioned, limit...), kept as they are.
        init_ms: Constant init time instead of drawing from the observed ones.
        seed: Seed of the replays.
        grid_s: Keep-alive candidates in seconds.
        on_step: Called with (done, total) after each replay, for a progress bar.

    Raises:
        UsageError: The trace does not say which requests were cold starts.
    """
    if trace.init_ms is None or len(trace) == 0:
        raise UsageError(f"{trace.name} does not say which requests were cold starts, so there is nothing to "
                         "calibrate against.", hint="Calibrate a workspace function imported from Lambda logs.")
    base = base or ReplayConfig()
    observed = int(np.count_nonzero(np.isfinite(trace.init_ms)))
    n = len(trace)
    ci = binomtest(observed, n).proportion_ci(confidence_level=CONFIDENCE, method="exact")
    interval = (math.floor(ci.low * n), math.ceil(ci.high * n))
    min_keep, gaps = stream_idle_gaps(trace)
    init = trace.init_spec(init_ms)
    grid = [(float(ka), rule) for rule in ROUTING_CODES for ka in grid_s]
    candidates = []
    for ka, rule in grid:
        config = dataclasses.replace(base, keep_alive_s=ka, routing=rule)
        cold = int(replay(trace.arrivals_s, trace.service_ms, config, init_ms=init, seed=seed).cold.sum())
        candidates.append(Candidate(ka, rule, cold))
        if on_step is not None:
            on_step(len(candidates), len(grid))

    def score(c: Candidate) -> tuple[float, bool, bool, float]:
        below_streams = min_keep is not None and c.keep_alive_s < min_keep
        return (abs(c.simulated_cold - observed), below_streams, c.routing != DEFAULT_ROUTING,
                abs(math.log(c.keep_alive_s / DEFAULT_KEEP_ALIVE_S)))

    best = min(candidates, key=score)
    return Calibration(n, observed, interval, best.keep_alive_s, best.routing, best.simulated_cold,
                       min_keep, gaps, candidates)


def stream_idle_gaps(trace: Trace) -> tuple[float | None, dict[str, float] | None]:
    """Idle gaps survived inside each log stream: ``(longest, {p50, p90, max, count})``.

    A gap is the time from the end of one request to the start of the next in the same
    stream (the same execution environment), so the keep-alive is at least the longest one.
    """
    if trace.log_stream is None:
        return None, None
    streams = np.asarray(trace.log_stream, dtype=object)
    known = np.flatnonzero(~pd.isna(streams))
    if known.size < 2:
        return None, None
    codes = np.unique(streams[known].astype(str), return_inverse=True)[1]
    order = np.lexsort((trace.arrivals_s[known], codes))
    start = trace.arrivals_s[known][order]
    busy = (trace.service_ms[known][order] + np.nan_to_num(
        trace.init_ms[known][order] if trace.init_ms is not None else 0.0)) / MS_PER_S
    same = codes[order][1:] == codes[order][:-1]
    gaps = (start[1:] - (start[:-1] + busy[:-1]))[same]
    gaps = gaps[gaps > 0]
    if gaps.size == 0:
        return None, None
    return float(gaps.max()), {
        "count": int(gaps.size),
        "p50": round(float(np.percentile(gaps, 50)), 3),
        "p90": round(float(np.percentile(gaps, 90)), 3),
        "max": round(float(gaps.max()), 3),
    }
