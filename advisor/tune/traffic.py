"""The traffic the tuner replays: the function's imported invocations, a trace file, or a steady rate.

Each source gives an :class:`advisor.simulate.inputs.Trace` whose arrivals are replayed (its
durations are not: the tuner draws them from the duration model at each memory size), or
``None`` when no traffic is known, in which case the tuner checks the SLA over the warm
duration and says so. Trace files are read by the one trace reader of ``advisor replay
--trace`` (:func:`advisor.simulate.inputs.read_trace_file`); workspace invocations that
``advisor tune`` made itself are measurements, never traffic, and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from advisor import limits
from advisor.errors import NotFoundError, UsageError
from advisor.units import SECONDS_PER_DAY, format_duration, parse_rate

if TYPE_CHECKING:
    from advisor.simulate.inputs import Trace
    from advisor.workspace import Workspace

#: The span a steady rate is drawn over: a day, every hour of it alike.
RATE_PERIOD_S: Final = float(SECONDS_PER_DAY)
#: A rate must give at least this many requests over its period to have a period at all.
MIN_RATE_REQUESTS: Final = 2


@dataclass(frozen=True)
class TrafficSource:
    """Where the traffic comes from: a trace file, a steady rate, or (neither) the workspace.

    Attributes:
        trace_path: A trace file (``--trace``), read as ``advisor replay --trace`` reads it.
        trace_function: The function of a trace file that holds several.
        rate_per_s: A steady Poisson rate (``--rate``), requests per second.
        period_s: The span a rate is drawn over.
    """

    trace_path: Path | None = None
    trace_function: str | None = None
    rate_per_s: float | None = None
    period_s: float = RATE_PERIOD_S

    @classmethod
    def from_options(cls, *, trace: Path | None = None, rate: str | None = None,
                     trace_function: str | None = None) -> TrafficSource:
        """The source of the command line's ``--trace PATH`` or ``--rate 5/s`` (neither: the workspace).

        Raises:
            UsageError: both are given, or the rate is not ``N/UNIT`` within its bound.
        """
        if trace is not None and rate is not None:
            raise UsageError("give either --trace or --rate, not both.",
                             hint="--trace replays a file's arrivals, --rate a steady rate.")
        if rate is None:
            return cls(trace_path=trace, trace_function=trace_function)
        per_second = float(limits.RATE_PER_S.check(parse_rate(rate, option="--rate"), option="--rate"))
        if per_second * RATE_PERIOD_S < MIN_RATE_REQUESTS:
            raise UsageError(f"--rate {rate} gives fewer than {MIN_RATE_REQUESTS} requests in "
                             f"{format_duration(RATE_PERIOD_S)}, too few to replay.",
                             hint="Give a higher rate, e.g. 1/h, or --trace with the real arrivals.")
        return cls(rate_per_s=per_second)

    def describe(self, function: str) -> str:
        """Where the traffic comes from, in words."""
        if self.trace_path is not None:
            return f"arrivals of {self.trace_path}" + (f" ({self.trace_function})" if self.trace_function else "")
        if self.rate_per_s is not None:
            return f"a steady Poisson rate of {self.rate_per_s:g}/s over {format_duration(self.period_s)}"
        return f"the imported invocations of {function}"

    def load(self, function: str, *, workspace: Workspace | None = None, since: datetime | None = None,
             until: datetime | None = None, seed: int = 0) -> Trace | None:
        """The traffic, or ``None`` when the workspace knows none of ``function``.

        Args:
            function: The function tuned (its imported invocations are the default traffic).
            workspace: The command's workspace (``None``: none, so no imported traffic).
            since, until: The window of imported invocations.
            seed: Seed of a rate's arrivals and of a trace reader's draws.

        Raises:
            NotFoundError, InputError, UsageError: from the trace reader (missing file, bad rows,
                a file of several functions without ``trace_function``).
        """
        if self.trace_path is not None:
            from advisor.simulate.inputs import read_trace_file

            return read_trace_file(self.trace_path, function=self.trace_function, seed=seed)
        if self.rate_per_s is not None:
            return steady_rate(self.rate_per_s, self.period_s, seed=seed)
        return imported(workspace, function, since=since, until=until)


def imported(workspace: Workspace | None, function: str, *, since: datetime | None = None,
             until: datetime | None = None) -> Trace | None:
    """The function's imported invocations (not those ``advisor tune`` made), or ``None``."""
    if workspace is None:
        return None
    from advisor.simulate.inputs import Trace

    try:
        frame = workspace.invocations(function, since=since, until=until, tuning=False)
    except NotFoundError:
        return None
    return Trace.from_records(frame, function) if not frame.empty else None


def steady_rate(rate_per_s: float, period_s: float = RATE_PERIOD_S, *, seed: int = 0) -> Trace:
    """Poisson arrivals at ``rate_per_s`` over ``[0, period_s)`` (from midnight UTC, so hours of day
    are real ones); durations unknown (NaN): the tuner draws them."""
    from advisor.simulate.inputs import Trace

    rng = np.random.default_rng(seed)
    count = int(rng.poisson(rate_per_s * period_s))
    arrivals = np.sort(rng.uniform(0.0, period_s, count))
    return Trace(name=f"{rate_per_s:g}/s steady", arrivals_s=arrivals, service_ms=np.full(count, np.nan),
                 observed=False)
