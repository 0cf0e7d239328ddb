"""Keep-warm settings, and the cheapest one that meets an SLA, found by replaying the traffic.

For one memory size and architecture, :func:`cheapest_keep_warm` replays the traffic through the
simulator (:func:`advisor.simulate.replay`) under each keep-warm strategy asked for and prices
each replay as a month (:func:`advisor.simulate.billing.replay_cost`). Service times come
from the duration model's draws; a setting is feasible when the SLA holds on the pessimistic
replay (the ``*_upper`` draws), and its cost is the central replay's. How each strategy is
modelled and searched is in docs/tune.md ("Keep-warm").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from advisor.errors import UsageError
from advisor.platform.aws_lambda import DEFAULT_KEEP_ALIVE_S, check_architecture, check_memory_mb
from advisor.simulate._base import ReplayConfig
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.tune.draws import Draws, draws_for
from advisor.tune.pings import PING_DURATION_MS, PingLayout, ping_interval_s, with_pings
from advisor.units import format_duration

if TYPE_CHECKING:
    from advisor.pricing import CostBreakdown, PriceCatalog
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla

#: The strategies, simplest first: at equal cost the simpler one is chosen.
STRATEGIES: Final = ("none", "provisioned", "pings", "schedule")
#: The percentiles every choice reports (besides the SLA's own).
REPORTED_PERCENTILES: Final = (50.0, 95.0, 99.0)
#: A schedule's shape: per UTC hour of day, this quantile of the requests in flight at arrivals.
SCHEDULE_QUANTILE: Final = 0.95
#: The schedule's scale factor is searched in steps of 1/SCHEDULE_STEPS of that shape.
SCHEDULE_STEPS: Final = 8
HOURS = 24


@dataclass(frozen=True)
class KeepWarm:
    """One keep-warm setting.

    Attributes:
        kind: ``none`` (Lambda's keep-alive only), ``provisioned`` (``provisioned`` instances at
            all times), ``schedule`` (provisioned instances by UTC hour, ``schedule``) or
            ``pings`` (``ping_concurrency`` warm-up requests every ``ping_interval_s``).
        provisioned: Provisioned instances (``provisioned`` only).
        schedule: The provisioned schedule (``schedule`` only).
        ping_interval_s: Seconds between ping rounds (``pings`` only).
        ping_concurrency: Pings per round (``pings`` only).
    """

    kind: str
    provisioned: int = 0
    schedule: ProvisionedSchedule | None = None
    ping_interval_s: float | None = None
    ping_concurrency: int = 0

    def __post_init__(self) -> None:
        check_strategies([self.kind])
        fits = {
            "none": not self.provisioned and self.schedule is None and not self.ping_concurrency,
            "provisioned": self.provisioned >= 1 and self.schedule is None and not self.ping_concurrency,
            "schedule": not self.provisioned and self.schedule is not None and not self.ping_concurrency,
            "pings": (not self.provisioned and self.schedule is None and self.ping_concurrency >= 1
                      and self.ping_interval_s is not None and self.ping_interval_s > 0),
        }[self.kind]
        if not fits:
            raise UsageError(f"keep-warm setting {self!r} does not fit its kind {self.kind!r}.")

    def replay_config(self, *, memory_mb: int, region: str, arch: str) -> ReplayConfig:
        """The replay configuration of this setting (pings are arrivals: :mod:`advisor.tune.pings`)."""
        return ReplayConfig(keep_alive_s=DEFAULT_KEEP_ALIVE_S, provisioned=self.provisioned,
                            provisioned_schedule=self.schedule, memory_mb=memory_mb, region=region, arch=arch)

    def replay_options(self) -> list[str] | None:
        """The ``advisor replay`` options that replay this setting; ``None`` for pings (replay has none)."""
        if self.kind == "provisioned":
            return ["--provisioned", str(self.provisioned)]
        if self.kind == "schedule":
            assert self.schedule is not None
            return ["--provisioned-schedule", self.schedule.spec()]
        return [] if self.kind == "none" else None

    def describe(self) -> str:
        """The setting in words."""
        if self.kind == "provisioned":
            return f"{self.provisioned} provisioned instance{'s' * (self.provisioned != 1)}"
        if self.kind == "schedule":
            assert self.schedule is not None
            return f"provisioned by UTC hour: {self.schedule.spec()}"
        if self.kind == "pings":
            assert self.ping_interval_s is not None
            return (f"{self.ping_concurrency} concurrent warm-up ping{'s' * (self.ping_concurrency != 1)} "
                    f"every {format_duration(self.ping_interval_s)}")
        return f"none (Lambda's keep-alive, assumed {format_duration(DEFAULT_KEEP_ALIVE_S)})"

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: kind, its figures (null where they do not apply), the words."""
        return {
            "kind": self.kind,
            "provisioned": self.provisioned if self.kind == "provisioned" else None,
            "schedule": self.schedule.spec() if self.schedule is not None else None,
            "ping_interval_s": self.ping_interval_s,
            "ping_concurrency": self.ping_concurrency if self.kind == "pings" else None,
            "replay_options": self.replay_options(),
            "description": self.describe(),
        }


@dataclass(frozen=True)
class KeepWarmChoice:
    """The keep-warm setting chosen for one memory size, and what it gives.

    Attributes:
        keep_warm: The setting.
        feasible: Whether the SLA held on the pessimistic replay.
        monthly_cost_usd: The central replay's month: compute, requests, provisioned and pings.
        breakdown: ``compute``, ``requests`` (the traffic's), ``provisioned`` (allocation),
            ``pings`` (their requests and duration); they sum to ``monthly_cost_usd``.
        latency_ms: p50/p95/p99 (and the SLA's percentiles) of end-to-end latency over the
            traffic, central replay; ``None`` without requests.
        latency_upper_ms: The same on the pessimistic replay.
        cold_start_fraction: Share of the traffic's requests that were cold (central replay).
        evaluated: Settings replayed to find it.
    """

    keep_warm: KeepWarm
    feasible: bool
    monthly_cost_usd: float
    breakdown: dict[str, float]
    latency_ms: dict[str, float | None]
    latency_upper_ms: dict[str, float | None]
    cold_start_fraction: float | None
    evaluated: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON object."""
        return {"keep_warm": self.keep_warm.to_dict(), "feasible": self.feasible,
                "monthly_cost_usd": self.monthly_cost_usd, "breakdown": dict(self.breakdown),
                "latency_ms": dict(self.latency_ms), "latency_upper_ms": dict(self.latency_upper_ms),
                "cold_start_fraction": self.cold_start_fraction, "evaluated": self.evaluated}


def check_strategies(strategies: Sequence[str]) -> tuple[str, ...]:
    """The strategies asked for, in :data:`STRATEGIES` order; a UsageError naming an unknown one."""
    hint = f"Use some of: {', '.join(STRATEGIES)}."
    for name in strategies:
        if name not in STRATEGIES:
            raise UsageError(f"keep-warm strategy {name!r} is not known.", hint=hint)
    if not strategies:
        raise UsageError("no keep-warm strategy was given.", hint=hint)
    return tuple(s for s in STRATEGIES if s in strategies)


def cheapest_keep_warm(
    trace: Trace,
    *,
    memory_mb: int,
    architecture: str,
    warm_ms: np.ndarray,
    init_ms: np.ndarray | None,
    warm_ms_upper: np.ndarray,
    init_ms_upper: np.ndarray | None,
    sla: Sla,
    strategies: Sequence[str],
    catalog: PriceCatalog,
    region: str,
    seed: int = 0,
) -> KeepWarmChoice:
    """The cheapest keep-warm setting of ``strategies`` that meets ``sla`` at ``memory_mb``.

    Args:
        trace: The traffic (its arrivals; its own durations are not used).
        memory_mb: The memory size priced.
        architecture: ``x86_64`` or ``arm64``.
        warm_ms: Central draws of the warm duration at this size: one per request of ``trace``
            (in its order), or a sample of any other length that each request draws from.
        init_ms: Central draws of the cold-start init time, the same way (used when a request
            is cold); ``None``: unknown, a cold start adds nothing.
        warm_ms_upper, init_ms_upper: The pessimistic draws, the same way. Sample draws are
            mapped to requests with common random numbers: request i takes the same quantile of
            the central and of the pessimistic sample.
        sla: The latency objectives, over the end-to-end latency of the traffic's requests.
        strategies: Some of :data:`STRATEGIES`.
        catalog: The prices of the command's workspace.
        region: The pricing region.
        seed: Seed of the draws' mapping and of the replays.

    Returns:
        The cheapest feasible setting; if none is feasible, the one closest to feasible (the
        smallest ratio of a percentile to its limit on the pessimistic replay), not feasible.

    Raises:
        UsageError: an unknown strategy, a bad memory size or architecture, bad draws, or
            traffic of fewer than two arrival times (no period to project a month from).
    """
    kinds = check_strategies(strategies)
    search = _Search(_Replays.prepare(trace, memory_mb=memory_mb, arch=architecture, region=region,
                                      catalog=catalog, sla=sla, seed=seed,
                                      central=draws_for(trace, warm_ms, init_ms, seed=seed, what="central"),
                                      upper=draws_for(trace, warm_ms_upper, init_ms_upper, seed=seed,
                                                      what="pessimistic")))
    picks = [search.best(kind) for kind in kinds]
    return search.replays.choice(min(picks, key=search.rank))


@dataclass
class _Outcome:
    """One replay of the traffic under one setting, seen from the traffic's requests."""

    latency_ms: np.ndarray  # per traffic request, inf where throttled
    cold_fraction: float | None
    violation: float  # the largest percentile / limit ratio of the SLA; <= 1 meets it
    cost: dict[str, Decimal] | None = None  # central replays only

    @property
    def feasible(self) -> bool:
        return self.violation <= 1.0


@dataclass
class _Replays:
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
    done: dict[tuple[KeepWarm, bool], _Outcome] = field(default_factory=dict)
    layouts: dict[tuple[float, int], PingLayout] = field(default_factory=dict)

    @classmethod
    def prepare(cls, trace: Trace, *, memory_mb: int, arch: str, region: str, catalog: PriceCatalog, sla: Sla,
                seed: int, central: Draws, upper: Draws) -> _Replays:
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

    def outcome(self, keep_warm: KeepWarm, *, upper: bool) -> _Outcome:
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

    def _replay(self, keep_warm: KeepWarm, draws: Draws, *, priced: bool) -> _Outcome:
        from advisor.simulate.billing import replay_cost
        from advisor.simulate.engine import replay

        config = keep_warm.replay_config(memory_mb=self.memory_mb, region=self.region, arch=self.arch)
        arrivals, service, init, traffic = self.arrivals_s, draws.service_ms, draws.init_ms, None
        if keep_warm.kind == "pings":
            assert keep_warm.ping_interval_s is not None
            layout = self._layout(keep_warm.ping_interval_s, keep_warm.ping_concurrency)
            arrivals, traffic = layout.arrivals_s, layout.traffic_at
            service = layout.merge(service, PING_DURATION_MS)
            init = layout.merge(init, draws.ping_init_ms(layout.pings, seed=self.seed))
        result = replay(arrivals, service, config, init_ms=init, seed=self.seed)
        latency = np.where(result.throttled, np.inf, result.latency_ms)
        cold = result.cold
        if traffic is not None:
            latency, cold = latency[traffic], cold[traffic]
        violation = max(_ratio(o.observed(latency), o.limit_ms) for o in self.sla.objectives)
        outcome = _Outcome(latency, float(np.count_nonzero(cold)) / cold.shape[0], violation)
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

    def _layout(self, interval_s: float, concurrency: int) -> PingLayout:
        key = (interval_s, concurrency)
        if key not in self.layouts:
            self.layouts[key] = with_pings(self.arrivals_s, interval_s, concurrency)
        return self.layouts[key]

    def choice(self, keep_warm: KeepWarm) -> KeepWarmChoice:
        """The choice of ``keep_warm``, from its central and pessimistic replays."""
        central, upper = self.outcome(keep_warm, upper=False), self.outcome(keep_warm, upper=True)
        assert central.cost is not None
        breakdown = {name: float(value) for name, value in central.cost.items()}
        total = float(sum(central.cost.values(), Decimal(0)))
        return KeepWarmChoice(
            keep_warm=keep_warm, feasible=upper.feasible, monthly_cost_usd=total,
            breakdown=breakdown, latency_ms=self._percentiles(central.latency_ms),
            latency_upper_ms=self._percentiles(upper.latency_ms), cold_start_fraction=central.cold_fraction,
            evaluated=self.evaluated,
        )

    def _percentiles(self, latency_ms: np.ndarray) -> dict[str, float | None]:
        levels = sorted({*REPORTED_PERCENTILES, *(o.percentile for o in self.sla.objectives)})
        names = [f"p{level:g}" for level in levels]
        if latency_ms.size == 0:
            return dict.fromkeys(names)
        values = np.percentile(latency_ms, levels)
        return {name: (round(float(v), 3) if math.isfinite(v) else None) for name, v in zip(names, values, strict=True)}


def _ratio(observed: float | None, limit_ms: float) -> float:
    return 0.0 if observed is None else observed / limit_ms


@dataclass
class _Search:
    """The search of each strategy's cheapest feasible setting over one set of replays."""

    replays: _Replays

    def rank(self, keep_warm: KeepWarm) -> tuple[bool, float | Decimal, int]:
        """Sort key: feasible first, then by cost (feasible) or by violation (not), then simplest."""
        upper = self.replays.outcome(keep_warm, upper=True)
        if upper.feasible:
            return (False, self.replays.cost(keep_warm), STRATEGIES.index(keep_warm.kind))
        return (True, upper.violation, STRATEGIES.index(keep_warm.kind))

    def best(self, kind: str) -> KeepWarm:
        """The cheapest feasible setting of ``kind``, or its closest to feasible."""
        if kind == "none":
            return KeepWarm("none")
        peak = self.replays.upper.peak_in_flight(self.replays.arrivals_s)
        if kind == "provisioned":
            return self._counted(lambda n: KeepWarm("provisioned", provisioned=n), peak)
        if kind == "pings":
            interval = ping_interval_s(DEFAULT_KEEP_ALIVE_S)
            return self._counted(lambda c: KeepWarm("pings", ping_interval_s=interval, ping_concurrency=c), peak)
        shape, top = self.replays.upper.hourly_in_flight(self.replays.arrivals_s, SCHEDULE_QUANTILE)
        steps = max(math.ceil(SCHEDULE_STEPS * max(t / s for s, t in zip(shape, top, strict=True) if s > 0)), 1)

        def scheduled(level: int) -> KeepWarm:
            counts = [math.ceil(level * s / SCHEDULE_STEPS) for s in shape]
            return KeepWarm("schedule", schedule=ProvisionedSchedule.hourly(counts))

        return self._counted(scheduled, steps)

    def _counted(self, make: Callable[[int], KeepWarm], top: int) -> KeepWarm:
        """The cheapest feasible ``make(n)``, n in 1..top, where a larger n keeps more instances warm.

        Feasibility is taken as monotone in n (bisection for the least feasible n), and the cost
        over the feasible n as convex (bisection on its difference); the pick is checked on the
        pessimistic replay and falls back to the least feasible n if it fails.
        """
        replays = self.replays
        if not replays.feasible(make(top)):
            return make(top)
        low = _first(1, top, lambda n: replays.feasible(make(n)))
        best = _first(low, top, lambda n: replays.cost(make(n + 1)) >= replays.cost(make(n)))
        return make(best) if replays.feasible(make(best)) else make(low)


def _first(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The least n in ``[low, high)`` for which ``holds(n)``, if ``holds`` is monotone; ``high`` if none."""
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low
