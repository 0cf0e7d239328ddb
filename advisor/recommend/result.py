"""What ``advisor recommend`` found, and its documented JSON object (docs/recommend.md).

A figure the evidence does not hold is None here and null in the JSON, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.tune.keepwarm import STRATEGIES

if TYPE_CHECKING:
    from advisor.breakeven import Breakeven
    from advisor.recommend.schedule import HourlySchedule
    from advisor.sla import Sla
    from advisor.tune.month import Month

#: The latency percentiles every candidate reports.
PERCENTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class Candidate:
    """One memory size x architecture x keep-warm setting, replayed on the traffic as a month.

    Attributes:
        month: The size, architecture and keep-warm choice (its cost, latencies, cold starts).
        measured: Whether the size was measured (else its durations come from the model).
    """

    month: Month
    measured: bool

    @property
    def architecture(self) -> str:
        return self.month.architecture

    @property
    def memory_mb(self) -> int:
        return self.month.memory_mb

    @property
    def kind(self) -> str:
        """The keep-warm strategy: none, pings, provisioned or schedule."""
        return self.month.choice.keep_warm.kind

    @property
    def monthly_cost_usd(self) -> float:
        return self.month.choice.monthly_cost_usd

    @property
    def meets_sla(self) -> bool:
        """Whether the SLA holds on the pessimistic replay (the upper values)."""
        return self.month.choice.feasible

    def p95_ms(self) -> float | None:
        """The central p95 latency (None: some request was throttled)."""
        return self.month.choice.latency_ms.get("p95")

    def sort_key(self) -> tuple[float, int, str, int]:
        """Cheapest first; then the smaller size, the architecture, the simpler strategy."""
        return (self.monthly_cost_usd, self.memory_mb, self.architecture, STRATEGIES.index(self.kind))

    def to_dict(self) -> dict[str, Any]:
        """The CANDIDATE object of the JSON (docs/recommend.md)."""
        choice = self.month.choice
        return {
            "architecture": self.architecture, "memory_mb": self.memory_mb,
            "keep_warm": choice.keep_warm.to_dict(),
            "monthly_cost_usd": choice.monthly_cost_usd, "breakdown": dict(choice.breakdown),
            "latency_ms": {p: choice.latency_ms.get(p) for p in PERCENTILES},
            "latency_upper_ms": {p: choice.latency_upper_ms.get(p) for p in PERCENTILES},
            "latency_cdf_ms": choice.latency_cdf_ms,
            "cold_start_fraction": choice.cold_start_fraction,
            "meets_sla": choice.feasible, "measured": self.measured,
        }


@dataclass(frozen=True)
class Missing:
    """Evidence the recommendation lacks, and the command that would get it."""

    what: str
    why: str
    command: str

    def to_dict(self) -> dict[str, str]:
        return {"what": self.what, "why": self.why, "command": self.command}


@dataclass(frozen=True)
class MeasuredSize:
    """One measured memory size of one source."""

    architecture: str
    memory_mb: int
    invocations: int | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"architecture": self.architecture, "memory_mb": self.memory_mb, "invocations": self.invocations,
                "source": self.source}


@dataclass(frozen=True)
class Recommendation:
    """The recommendation and everything that supports it.

    Attributes:
        function: The function.
        sla: The latency objectives (end to end, over the traffic's requests).
        region: The pricing region.
        architecture: The function's architecture as the workspace knows it (None: unknown).
        sources: Per evidence source, what it holds (invocations, or sizes of a summary source).
        measured: The measured sizes, per source.
        traffic_requests: Requests of the imported traffic replayed.
        current: Today's configuration (keep-warm none) as a candidate, when it can be priced.
        recommended: The cheapest candidate that meets the SLA (the nearest to it when none does).
        candidates: Every candidate, cheapest first.
        pareto: Indexes into ``candidates`` of the cost/p95 frontier, ascending cost.
        schedule: The provisioned schedule by hour at the recommended size, when one was searched.
        missing: The evidence that would make the answer surer.
        breakeven: The break-even across platforms at the recommended Lambda configuration.
        notes: What the reader must know (assumptions, why a figure is unknown).
    """

    function: str
    sla: Sla
    region: str
    architecture: str | None
    sources: dict[str, int | None]
    measured: tuple[MeasuredSize, ...]
    traffic_requests: int
    current: Candidate | None
    recommended: Candidate | None
    candidates: tuple[Candidate, ...]
    pareto: tuple[int, ...]
    schedule: HourlySchedule | None
    missing: tuple[Missing, ...]
    breakeven: Breakeven | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def savings_usd_per_month(self) -> float | None:
        """Today's month less the recommendation's (None when either is unknown)."""
        if self.current is None or self.recommended is None:
            return None
        return self.current.monthly_cost_usd - self.recommended.monthly_cost_usd

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``advisor recommend --json`` (docs/recommend.md)."""
        return {
            "function": self.function, "sla": str(self.sla), "sla_basis": "end-to-end",
            "region": self.region, "architecture": self.architecture,
            "evidence": {"sources": dict(self.sources), "measured": [m.to_dict() for m in self.measured],
                         "traffic_requests": self.traffic_requests},
            "current": None if self.current is None else self.current.to_dict(),
            "recommended": None if self.recommended is None else self.recommended.to_dict(),
            "savings_usd_per_month": self.savings_usd_per_month,
            "candidates": [c.to_dict() for c in self.candidates],
            "pareto": list(self.pareto),
            "schedule": None if self.schedule is None else self.schedule.to_dict(),
            "missing_evidence": [m.to_dict() for m in self.missing],
            "breakeven": None if self.breakeven is None else self.breakeven.to_dict(),
            "notes": list(self.notes),
        }
