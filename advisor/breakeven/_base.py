"""The platform-model contract of the break-even: a workload in, a priced and timed result out.

Every platform (Lambda, serverless GPU providers, dedicated instances, Cloud Run) is one
:class:`PlatformModel` in a module of its own beside this one. A model says what it assumes
(:meth:`PlatformModel.assumptions`, printed beside its figures) and evaluates a
:class:`Workload` (the arrivals at one volume) with the :class:`Service` times of the model
being served: its monthly cost with a breakdown, latency percentiles, cold-start fraction,
whether the SLA holds, and notes. A model that cannot be evaluated without an input the user
did not give says so (:meth:`PlatformResult.unavailable`): unknown is not zero.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.platform.aws_lambda import HOURS_PER_MONTH
from advisor.platform.serverless_gpu import DEFAULT_COLD_START_S
from advisor.pricing.money import ZERO, add, mul, to_decimal, usd_text
from advisor.units import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from advisor.breakeven.gpu_time import GpuTimes
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla

#: Seconds in the month every monthly figure is priced for (AWS's 730 hours).
MONTH_S = HOURS_PER_MONTH * SECONDS_PER_HOUR
#: Monthly figures are kept to this (USD).
MONTHLY_QUANTUM = Decimal("1e-9")
#: GPU batching when the user says nothing: batches of up to 8, waiting at most 50 ms (an
#: assumption; a batch wait adds at most that much latency).
DEFAULT_BATCH = 8
DEFAULT_BATCH_WAIT_MS = 50.0
#: Latency percentiles every result reports.
PERCENTILES: Mapping[str, float] = {"p50": 50.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True)
class Workload:
    """The arrivals replayed on every platform at one volume.

    Attributes:
        trace: The requests (arrivals, CPU service times, observed init times) at this volume.
        horizon_s: The span of the real traffic they stand for: costs over it are scaled to
            a month (:data:`MONTH_S`) by :attr:`month_factor`.
        scale: The volume as a factor of the real traffic (1: as recorded).
    """

    trace: Trace
    horizon_s: float
    scale: float = 1.0

    @property
    def month_factor(self) -> Decimal:
        """Months per replayed horizon: what a cost over the horizon is multiplied by."""
        return to_decimal(MONTH_S / self.horizon_s)

    @property
    def requests_per_month(self) -> float:
        """The volume in requests per month."""
        return len(self.trace) * MONTH_S / self.horizon_s


@dataclass(frozen=True)
class Service:
    """How long the model takes to serve, on each kind of hardware.

    Attributes:
        gpu: GPU time per batch size (``--gpu-ms``), ``None`` when not given: every GPU
            platform is then n/a.
        gpu_cold_start_s: Cold start of a GPU container, model load included.
        batch: Requests a GPU serves together at most.
        batch_wait_ms: A batch waits at most this long for more requests.
        init_ms: Cold-start init on CPU platforms (Lambda, Cloud Run); ``None``: the observed
            init times of the traffic.

    The CPU platforms serve each request for its measured duration (the trace's service times).
    """

    gpu: GpuTimes | None = None
    gpu_cold_start_s: float = DEFAULT_COLD_START_S
    batch: int = DEFAULT_BATCH
    batch_wait_ms: float = DEFAULT_BATCH_WAIT_MS
    init_ms: float | None = None


NO_GPU_TIMES = "n/a: give --gpu-ms"


@dataclass(frozen=True)
class PlatformResult:
    """One platform at one volume.

    Attributes:
        platform: The model's name.
        requests_per_month: The volume.
        monthly_usd: Cost per month, ``None`` when unknown (see ``unavailable``).
        breakdown: The monthly cost's parts (they add up to it).
        period_usd: The cost of the replayed horizon itself, before scaling to a month.
        latency_ms: p50/p95/p99 end-to-end latency over all requests (``None``: unknown).
        cold_fraction: Share of requests that met a cold start.
        meets_sla: Whether every objective of the SLA holds (``None``: unknown).
        notes: What the figures rest on.
        unavailable: Why the platform could not be evaluated (``n/a: ...``), else ``None``.
    """

    platform: str
    requests_per_month: float
    monthly_usd: Decimal | None = None
    breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    period_usd: Decimal | None = None
    latency_ms: Mapping[str, float | None] = field(default_factory=lambda: dict.fromkeys(PERCENTILES))
    cold_fraction: float | None = None
    meets_sla: bool | None = None
    notes: tuple[str, ...] = ()
    unavailable: str | None = None

    @classmethod
    def not_available(cls, platform: str, workload: Workload, reason: str) -> PlatformResult:
        """A platform that cannot be evaluated, and why (``n/a: give --gpu-ms``)."""
        return cls(platform, workload.requests_per_month, unavailable=reason)

    @classmethod
    def of(cls, platform: str, workload: Workload, sla: Sla, *, latency_ms: np.ndarray, cold: np.ndarray,
           period: Mapping[str, Decimal], notes: tuple[str, ...] = ()) -> PlatformResult:
        """A result from per-request latencies (NaN: rejected) and the period cost by part."""
        factor = workload.month_factor
        # a month scaled from a sample is an estimate: kept to a nano-dollar, not to the float's last digit
        breakdown = {name: mul(value, factor).quantize(MONTHLY_QUANTUM) for name, value in period.items()}
        period_total = add(*period.values()) if period else ZERO
        return cls(
            platform=platform,
            requests_per_month=workload.requests_per_month,
            monthly_usd=add(*breakdown.values()) if breakdown else ZERO,
            breakdown=breakdown,
            period_usd=period_total,
            latency_ms=latency_percentiles(latency_ms),
            cold_fraction=float(np.count_nonzero(cold) / cold.size) if cold.size else None,
            meets_sla=sla.met_by(latency_ms),
            notes=notes,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: money as exact decimal strings, unknowns as null."""
        return {
            "platform": self.platform,
            "requests_per_month": round(self.requests_per_month, 3),
            "monthly_usd": None if self.monthly_usd is None else usd_text(self.monthly_usd),
            "breakdown_usd": {name: usd_text(value) for name, value in self.breakdown.items()},
            "period_usd": None if self.period_usd is None else usd_text(self.period_usd),
            "latency_ms": dict(self.latency_ms),
            "cold_fraction": None if self.cold_fraction is None else round(self.cold_fraction, 6),
            "meets_sla": self.meets_sla,
            "notes": list(self.notes),
            "unavailable": self.unavailable,
        }


def latency_percentiles(latency_ms: np.ndarray) -> dict[str, float | None]:
    """p50/p95/p99 over every request, a rejected one (NaN) counting as infinitely slow.

    Interpolated as ``advisor replay`` reports them (the SLA itself is checked by :mod:`advisor.sla`).
    """
    if latency_ms.size == 0:
        return dict.fromkeys(PERCENTILES)
    values = np.where(np.isnan(latency_ms), np.inf, latency_ms)
    found = np.percentile(values, list(PERCENTILES.values()))
    return {name: (round(float(v), 3) if np.isfinite(v) else None) for name, v in zip(PERCENTILES, found, strict=True)}


class PlatformModel(abc.ABC):
    """One platform's model: its assumptions and how it serves and bills a workload.

    Subclasses set :attr:`name` and implement :meth:`assumptions` and :meth:`evaluate`;
    ``tests/breakeven/platform_suite.py`` is the behaviour each must have.
    """

    name: str

    @abc.abstractmethod
    def assumptions(self) -> dict[str, Any]:
        """Every assumption the figures rest on, by name (JSON-ready values), printed beside them."""

    @abc.abstractmethod
    def evaluate(self, workload: Workload, service: Service, sla: Sla) -> PlatformResult:
        """Serve and bill ``workload``: monthly cost, latency, cold starts, SLA, notes.

        Raises:
            AdvisorError: only for inputs the user can fix; a platform that lacks an input
                returns :meth:`PlatformResult.not_available` instead.
        """
