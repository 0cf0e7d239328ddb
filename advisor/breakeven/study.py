"""The break-even study: every platform model at every volume, and where the best choice changes.

:func:`breakeven` replays the same arrivals, at each volume factor (:mod:`advisor.breakeven.volume`),
on each :class:`~advisor.breakeven._base.PlatformModel`; at each volume the winner is the
cheapest platform that meets the SLA. A crossover is where the winner changes between two
neighbouring volumes: when both platforms meet the SLA on both sides, the volume where their
costs are equal is interpolated on log-log axes (exact for a cost proportional to the volume
against a constant one); when the change comes from the SLA (the winner stops meeting it, or
the new one only starts to), the crossover lies between the two volumes and has no single
figure.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.breakeven._base import MONTH_S, PlatformModel, PlatformResult, Service
from advisor.breakeven.volume import DEFAULT_FACTORS, JITTER_S, at_volume, horizon_s
from advisor.units import format_duration

if TYPE_CHECKING:
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla

COST, SLA = "cost", "sla"


@dataclass(frozen=True)
class Crossover:
    """Where the cheapest platform that meets the SLA changes.

    Attributes:
        below: The winner below (``None``: no platform met the SLA there).
        above: The winner above (``None``: none meets it there).
        low_factor, high_factor: The neighbouring volumes it lies between.
        requests_per_month: The equal-cost volume (cost crossovers only; ``None`` otherwise).
        reason: ``cost`` (the other became cheaper) or ``sla`` (the SLA decided).
    """

    below: str | None
    above: str | None
    low_factor: float
    high_factor: float
    requests_per_month: float | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        volume = None if self.requests_per_month is None else round(self.requests_per_month, 3)
        return {"below": self.below, "above": self.above, "between_factors": [self.low_factor, self.high_factor],
                "requests_per_month": volume, "reason": self.reason}


@dataclass
class Breakeven:
    """What :func:`breakeven` found.

    Attributes:
        name: The traffic's name.
        sla: The SLA every platform is held to.
        requests: Requests in the real traffic.
        horizon_s: Its span.
        results: Per volume factor, each platform's result (in the models' order).
        crossovers: Where the winner changes, by volume.
        assumptions: ``general`` (volume scaling, service times) and each platform's.
    """

    name: str
    sla: Sla
    requests: int
    horizon_s: float
    results: dict[float, list[PlatformResult]]
    crossovers: list[Crossover] = field(default_factory=list)
    assumptions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def winner(self, factor: float) -> PlatformResult | None:
        """The cheapest platform that meets the SLA at ``factor`` (``None``: none does)."""
        return cheapest(self.results[factor])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``advisor breakeven --json`` (docs/breakeven.md)."""
        volumes = []
        for factor, rows in self.results.items():
            best = cheapest(rows)
            volumes.append({"factor": factor, "requests_per_month": round(rows[0].requests_per_month, 3),
                            "cheapest": None if best is None else best.platform,
                            "platforms": [row.to_dict() for row in rows]})
        return {"function": self.name, "sla": str(self.sla), "requests": self.requests,
                "horizon_s": round(self.horizon_s, 3), "volumes": volumes,
                "crossovers": [c.to_dict() for c in self.crossovers], "assumptions": self.assumptions}


def cheapest(rows: Sequence[PlatformResult]) -> PlatformResult | None:
    """The cheapest result that meets the SLA, first in order on a tie."""
    meeting = [r for r in rows if r.meets_sla and r.monthly_usd is not None]
    return min(meeting, key=lambda r: r.monthly_usd or 0) if meeting else None


def breakeven(trace: Trace, models: Sequence[PlatformModel], service: Service, sla: Sla, *,
              factors: Sequence[float] = DEFAULT_FACTORS, seed: int = 0) -> Breakeven:
    """Replay ``trace`` at each volume factor on each platform model.

    Args:
        trace: The real arrivals with their measured durations.
        models: The platforms to compare.
        service: GPU times, cold starts, batching, CPU init.
        sla: The latency objectives.
        factors: Volumes as factors of the real traffic, ascending.
        seed: Seed of the volume scaling and of every replay.

    Raises:
        UsageError: a traffic without a rate, a volume factor out of bounds.
    """
    ordered = sorted(set(factors))
    results = {}
    for factor in ordered:
        workload = at_volume(trace, factor, seed=seed)
        results[factor] = [model.evaluate(workload, service, sla) for model in models]
    general = _general_assumptions(service, seed)
    assumptions = {"general": general, **{m.name: m.assumptions() for m in models}}
    return Breakeven(trace.name, sla, len(trace), horizon_s(trace), results, crossovers(results), assumptions)


def crossovers(results: dict[float, list[PlatformResult]]) -> list[Crossover]:
    """The crossovers between neighbouring volumes (see the module's doc)."""
    factors = list(results)
    found = []
    for low, high in itertools.pairwise(factors):
        below, above = cheapest(results[low]), cheapest(results[high])
        name_below = None if below is None else below.platform
        name_above = None if above is None else above.platform
        if name_below == name_above:
            continue
        volume = _equal_cost(results[low], results[high], name_below, name_above)
        found.append(Crossover(name_below, name_above, low, high, volume, COST if volume is not None else SLA))
    return found


def _equal_cost(low: list[PlatformResult], high: list[PlatformResult], a: str | None, b: str | None) -> float | None:
    """The volume where ``a`` and ``b`` cost the same, on log-log axes, if both meet the SLA on both sides."""
    if a is None or b is None:
        return None
    pairs = []
    for rows in (low, high):
        by_name = {r.platform: r for r in rows}
        ra, rb = by_name[a], by_name[b]
        if not (ra.meets_sla and rb.meets_sla and ra.monthly_usd and rb.monthly_usd):
            return None
        pairs.append((math.log(ra.requests_per_month), math.log(ra.monthly_usd) - math.log(rb.monthly_usd)))
    (x0, d0), (x1, d1) = pairs
    if d1 == d0:
        return None
    return math.exp(x0 + (x1 - x0) * (-d0) / (d1 - d0))


def _general_assumptions(service: Service, seed: int) -> dict[str, Any]:
    return {
        "month": format_duration(MONTH_S),
        "volume_scaling": f"thinned or superposed copies, jitter {format_duration(JITTER_S)}, seed {seed}",
        "gpu_ms": None if service.gpu is None else service.gpu.describe(),
        "gpu_cold_start": format_duration(service.gpu_cold_start_s),
        "batch": service.batch,
        "batch_wait_ms": service.batch_wait_ms,
        "cpu_init_ms": "observed" if service.init_ms is None else service.init_ms,
    }
