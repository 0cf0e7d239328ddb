"""The result of an analysis: plain frozen dataclasses with a JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from advisor.units import NS_PER_S, NS_PER_US, US_PER_S


@dataclass(frozen=True)
class Percentiles:
    """p50/p90/p95/p99/max of a quantity over ``count`` values (``None`` when count is 0)."""

    count: int
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Rates:
    """Arrival rates: mean over the span, peak in any one calendar second / minute."""

    mean_per_s: float | None
    mean_per_min: float | None
    peak_per_s: int
    peak_per_min: int


@dataclass(frozen=True)
class MemoryUse:
    """Max memory used at one configured memory size."""

    memory_mb: int | None
    invocations: int
    max_used_p99_mb: float | None
    max_used_max_mb: int | None
    headroom_p99_mb: float | None
    headroom_p99_fraction: float | None


@dataclass(frozen=True)
class Failure:
    """Requests that ended with ``status`` and ``error_type`` (``None`` when not logged)."""

    status: str
    error_type: str | None
    count: int


@dataclass(frozen=True)
class Instances:
    """Execution environments seen (distinct log streams) and how long they sat idle.

    ``count`` is ``None`` when the records name no log stream (a trace): unknown, not zero.
    """

    count: int | None
    idle_gap_s: Percentiles
    last_use_to_end_s: Percentiles
    lifetime_s: Percentiles


@dataclass(frozen=True)
class Cost:
    """Cost at the current configuration: of the period, and projected to a 730-hour month."""

    region: str
    architecture: str
    basis: str
    period: dict[str, str]
    per_month: dict[str, str] | None


@dataclass(frozen=True)
class Analysis:
    """The analysis of one function over a window. :meth:`to_dict` is its JSON form."""

    function: str
    since: datetime | None
    until: datetime | None
    first_start: datetime
    last_end: datetime
    span_s: float
    invocations: int
    rates: Rates
    cold_starts: int | None
    cold_fraction: float | None
    duration_ms: dict[str, Percentiles | None]
    latency_ms: Percentiles
    init_ms: Percentiles | None
    memory: list[MemoryUse]
    concurrency_peak: int
    concurrency_p99: float | None
    timeouts: int
    errors: int
    failures: list[Failure]
    instances: Instances
    arrivals_by_hour: list[int]
    cost: Cost | None
    notes: list[str] = field(default_factory=list)
    #: Why a figure is ``None`` (unknown), by its name: ``{"cold_starts": "the trace ..."}``.
    unknown: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ISO 8601 UTC times, exact decimal strings for money."""
        return _jsonable(asdict(self))


def from_ns(ns: int) -> datetime:
    """Epoch nanoseconds -> aware UTC datetime (microsecond precision)."""
    return datetime.fromtimestamp(ns // NS_PER_S, tz=UTC).replace(microsecond=(ns // NS_PER_US) % US_PER_S)


def utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive means UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def when(moment: datetime | None) -> str:
    """ISO 8601 with ``Z``, or ``(open)`` for no bound."""
    return "(open)" if moment is None else moment.isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return when(utc(value))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
