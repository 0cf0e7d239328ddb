"""The traffic replayed under keep-warm settings for one memory size: prepared once, each replay
done once (memoized), seen from the traffic's requests and priced as a month.

:func:`advisor.tune.keepwarm.cheapest_keep_warm` searches over these replays; this module runs
and prices them (:func:`advisor.simulate.replay`, :func:`advisor.simulate.pings.replay_with_pings`,
:func:`advisor.simulate.billing.replay_cost`) and bounds a family's cost from below without one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import numpy as np

from advisor.errors import UsageError
from advisor.platform.aws_lambda import check_architecture, check_memory_mb
from advisor.simulate.pings import replay_with_pings
from advisor.units import MS_PER_S

if TYPE_CHECKING:
    from advisor.pricing import CostBreakdown, PriceCatalog
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla
    from advisor.tune.draws import Draws
    from advisor.tune.keepwarm import KeepWarm

#: The percentiles every choice reports (besides the SLA's own).
REPORTED_PERCENTILES: Final = (50.0, 95.0, 99.0)
#: Shares of requests at which a choice's latency CDF is given: every 5% and the tail, finer.
CDF_QUANTILES: Final = (*(i / 20 for i in range(20)), 0.975, 0.99, 0.995, 0.999, 1.0)


@dataclass
class Outcome:
    """One replay of the traffic under one setting, seen from the traffic's requests."""

    latency_ms: np.ndarray  # per traffic request, inf where throttled
    cold_fraction: float | None
    violation: float  # the largest percentile / limit ratio of the SLA; <= 1 meets it
    cost: dict[str, Decimal] | None = None  # central replays only

    @property
    def feasible(self) -> bool:
        return self.violation <= 1.0


@dataclass
class TrafficReplays:
    """The traffic prepared once for every replay of one call, and the replays done (memoized)."""

    arrivals_s: np.ndarray
    central: Draws
    upper: Draws
    memory_mb: int
    arch: str
    region: str
    catalog: PriceCatalog
    sla: Sla
    seed: int
    done: dict[tuple[KeepWarm, bool], Outcome] = field(default_factory=dict)

    @classmethod
    def prepare(cls, trace: Trace, *, memory_mb: int, arch: str, region: str, catalog: PriceCatalog, sla: Sla,
                seed: int, central: Draws, upper: Draws) -> TrafficReplays:
        check_memory_mb(memory_mb, option="memory")
        check_architecture(arch, option="architecture")
        arrivals = np.require(trace.arrivals_s, np.float64, ["C", "W"])
        if arrivals.shape[0] < 2 or not arrivals[-1] > arrivals[0]:
            raise UsageError(f"the traffic of {trace.name} has fewer than two arrival times, so no month can be "
                             "projected from it.", hint="Give traffic over some time (--trace, --rate or imports).")
        return cls(arrivals, central, upper, memory_mb, arch, region, catalog, sla, seed)

    @property
    def evaluated(self) -> int:
        """Distinct settings replayed so far."""
        return len({kw for kw, _ in self.done})

    def outcome(self, keep_warm: KeepWarm, *, upper: bool) -> Outcome:
        """The replay of ``keep_warm`` on the pessimistic (``upper``) or central draws."""
        key = (keep_warm, upper)
        if key not in self.done:
            self.done[key] = self._replay(keep_warm, self.upper if upper else self.central, priced=not upper)
        return self.done[key]

    def feasible(self, keep_warm: KeepWarm) -> bool:
        return self.outcome(keep_warm, upper=True).feasible

    def cost(self, keep_warm: KeepWarm) -> Decimal:
        cost = self.outcome(keep_warm, upper=False).cost
        assert cost is not None
        return sum(cost.values(), Decimal(0))

    def _replay(self, keep_warm: KeepWarm, draws: Draws, *, priced: bool) -> Outcome:
        from advisor.simulate.billing import replay_cost
        from advisor.simulate.engine import replay

        config = keep_warm.replay_config(memory_mb=self.memory_mb, region=self.region, arch=self.arch)
        pings, traffic = keep_warm.pings, None
        if pings is None:
            result = replay(self.arrivals_s, draws.service_ms, config, init_ms=draws.init_ms, seed=self.seed)
        else:
            result, layout = replay_with_pings(self.arrivals_s, draws.service_ms, config, pings, init_ms=draws.init_ms,
                                               ping_init_ms=draws.ping_init_ms, seed=self.seed)
            traffic = layout.traffic_at
        latency = np.where(result.throttled, np.inf, result.latency_ms)
        cold = result.cold
        if traffic is not None:
            latency, cold = latency[traffic], cold[traffic]
        violation = max(_ratio(o.observed(latency), o.limit_ms) for o in self.sla.objectives)
        outcome = Outcome(latency, float(np.count_nonzero(cold)) / cold.shape[0], violation)
        if priced:
            def month(jobs: np.ndarray | None) -> CostBreakdown:
                pick = slice(None) if jobs is None else jobs
                # no queue in a keep-warm replay: a job held its instance for its whole latency
                cost, why = replay_cost(config, result.throttled[pick], result.on_provisioned[pick],
                                        result.latency_ms[pick], result.provisioned_s, self.catalog,
                                        month_of_s=result.horizon_s)
                assert cost is not None, why  # memory is given and Lambda serves one request at a time
                return cost

            total = month(None)
            own = month(traffic) if traffic is not None else total
            outcome.cost = {"compute": own.compute_usd, "requests": own.requests_usd,
                            "provisioned": own.provisioned_usd, "pings": total.total_usd - own.total_usd}
        return outcome

    def cost_floor(self, keep_warm: KeepWarm) -> Decimal:
        """At most the month of ``keep_warm`` (or of more provisioned instances at every hour),
        priced as its replay is, without replaying it.

        Its replay bills every request at least its warm duration, on demand or at the
        provisioned rate, and the provisioned instance-seconds of its horizon (first arrival to
        last completion), all scaled by a month over that horizon. The floor prices the warm
        durations at the cheaper of the two rates (the mix of both costs no less: the tiers only
        lower the price of more), and the instance-seconds up to the last arrival (no more than
        the horizon's), both scaled by a month over a period no shorter than the horizon: the
        traffic's span plus the longest warm duration and init.
        """
        from advisor.simulate.billing import replay_cost

        draws = self.central
        first, last = float(self.arrivals_s[0]), float(self.arrivals_s[-1])
        period = last - first + (float(draws.service_ms.max()) + float(draws.init_ms.max())) / MS_PER_S
        if keep_warm.schedule is not None:
            times, counts = keep_warm.schedule.change_points(first, last)
            instance_s = float(np.sum(counts * np.diff(np.append(times, last))))
        else:
            instance_s = keep_warm.provisioned * (last - first)
        config = keep_warm.replay_config(memory_mb=self.memory_mb, region=self.region, arch=self.arch)
        no = np.zeros(draws.service_ms.shape[0], np.bool_)
        floors = []
        for on_provisioned in (no, ~no):  # every request served, all on demand or all provisioned
            cost, why = replay_cost(config, no, on_provisioned, draws.service_ms, instance_s, self.catalog,
                                    month_of_s=period)
            assert cost is not None, why
            floors.append(cost.total_usd)
        return min(floors)

    def percentiles(self, latency_ms: np.ndarray) -> dict[str, float | None]:
        """p50, p95, p99 and the SLA's percentiles of ``latency_ms`` (``None`` without requests)."""
        levels = sorted({*REPORTED_PERCENTILES, *(o.percentile for o in self.sla.objectives)})
        names = [f"p{level:g}" for level in levels]
        if latency_ms.size == 0:
            return dict.fromkeys(names)
        values = np.percentile(latency_ms, levels)
        return {name: (round(float(v), 3) if math.isfinite(v) else None) for name, v in zip(names, values, strict=True)}


def latency_cdf(latency_ms: np.ndarray) -> dict[str, list[float | None]] | None:
    """The latency at each of :data:`CDF_QUANTILES` (``None`` where throttled requests reach it).

    Returns:
        ``{"quantiles": [...], "ms": [...]}`` of the same length, or None without requests.
    """
    if latency_ms.size == 0:
        return None
    values = np.quantile(latency_ms, CDF_QUANTILES)  # as the percentiles are taken: p50 is the 0.5 point
    return {"quantiles": list(CDF_QUANTILES),
            "ms": [round(float(v), 3) if math.isfinite(v) else None for v in values]}


def _ratio(observed: float | None, limit_ms: float) -> float:
    return 0.0 if observed is None else observed / limit_ms
