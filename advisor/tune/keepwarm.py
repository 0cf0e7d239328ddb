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
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from advisor.errors import UsageError
from advisor.platform.aws_lambda import DEFAULT_KEEP_ALIVE_S
from advisor.simulate._base import ReplayConfig
from advisor.simulate.pings import Pings, ping_interval_s
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.tune.draws import draws_for
from advisor.tune.replays import TrafficReplays, latency_cdf
from advisor.units import format_duration

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla

#: The strategies, simplest first: at equal cost the simpler one is chosen. Searched in this
#: order, so the provisioned families can be ruled out by the cost of one found before them.
STRATEGIES: Final = ("none", "pings", "provisioned", "schedule")
#: A schedule's shape: per UTC hour of day, this quantile of the requests in flight at arrivals.
SCHEDULE_QUANTILE: Final = 0.95
#: The schedule's scale factor is searched in steps of 1/SCHEDULE_STEPS of that shape.
SCHEDULE_STEPS: Final = 8


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

    @classmethod
    def of(cls, *, schedule: ProvisionedSchedule | None = None, pings: Pings | None = None) -> KeepWarm:
        """The setting of ``advisor replay``'s keep-warm options (``--provisioned-schedule``, or
        ``--ping-every`` with ``--ping-concurrency``); ``none`` without either.

        Raises:
            UsageError: both were given (a setting is one strategy).
        """
        if schedule is not None and pings is not None:
            raise UsageError("give either --ping-every or --provisioned-schedule, not both.",
                             hint="One keep-warm setting at a time: pings, or provisioned instances by hour.")
        if schedule is not None:
            return cls("schedule", schedule=schedule)
        if pings is not None:
            return cls("pings", ping_interval_s=pings.interval_s, ping_concurrency=pings.concurrency)
        return cls("none")

    def replay_config(self, *, memory_mb: int, region: str, arch: str) -> ReplayConfig:
        """The replay configuration of this setting (pings are arrivals: :attr:`pings`)."""
        return ReplayConfig(keep_alive_s=DEFAULT_KEEP_ALIVE_S, provisioned=self.provisioned,
                            provisioned_schedule=self.schedule, memory_mb=memory_mb, region=region, arch=arch)

    @property
    def pings(self) -> Pings | None:
        """The warm-up pings of this setting, if any."""
        if self.kind != "pings":
            return None
        assert self.ping_interval_s is not None
        return Pings(self.ping_interval_s, self.ping_concurrency)

    def replay_options(self) -> list[str]:
        """The ``advisor replay`` options that replay this setting."""
        if self.kind == "provisioned":
            return ["--provisioned", str(self.provisioned)]
        if self.kind == "schedule":
            assert self.schedule is not None
            return ["--provisioned-schedule", self.schedule.spec()]
        if self.kind == "pings":
            assert self.ping_interval_s is not None
            return ["--ping-every", format_duration(self.ping_interval_s), "--ping-concurrency",
                    str(self.ping_concurrency)]
        return []

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
        latency_cdf_ms: End-to-end latency at each share of requests, central replay
            (:func:`advisor.tune.replays.latency_cdf`); None without requests.
    """

    keep_warm: KeepWarm
    feasible: bool
    monthly_cost_usd: float
    breakdown: dict[str, float]
    latency_ms: dict[str, float | None]
    latency_upper_ms: dict[str, float | None]
    cold_start_fraction: float | None
    evaluated: int
    latency_cdf_ms: dict[str, list[float | None]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object."""
        return {"keep_warm": self.keep_warm.to_dict(), "feasible": self.feasible,
                "monthly_cost_usd": self.monthly_cost_usd, "breakdown": dict(self.breakdown),
                "latency_ms": dict(self.latency_ms), "latency_upper_ms": dict(self.latency_upper_ms),
                "cold_start_fraction": self.cold_start_fraction, "evaluated": self.evaluated}


def check_strategies(strategies: Sequence[str], *, option: str = "keep-warm strategy") -> tuple[str, ...]:
    """The strategies asked for, in :data:`STRATEGIES` order; a UsageError naming an unknown one."""
    hint = f"Use some of: {', '.join(STRATEGIES)}."
    for name in strategies:
        if name not in STRATEGIES:
            raise UsageError(f"{option} {name!r} is not known.", hint=hint)
    if not strategies:
        raise UsageError(f"no {option} was given.", hint=hint)
    return tuple(s for s in STRATEGIES if s in strategies)


def parse_strategies(text: str, *, option: str = "--keep-warm") -> tuple[str, ...]:
    """The strategies of ``none,provisioned,schedule,pings`` (any of them, comma-separated)."""
    return check_strategies([part.strip().lower() for part in text.split(",") if part.strip()], option=option)


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
    search = _Search(TrafficReplays.prepare(trace, memory_mb=memory_mb, arch=architecture, region=region,
                                      catalog=catalog, sla=sla, seed=seed,
                                      central=draws_for(trace, warm_ms, init_ms, seed=seed, what="central"),
                                      upper=draws_for(trace, warm_ms_upper, init_ms_upper, seed=seed,
                                                      what="pessimistic")))
    picks: list[KeepWarm] = []
    for kind in kinds:
        feasible = [search.replays.cost(p) for p in picks if search.replays.feasible(p)]
        pick = search.best(kind, min(feasible, default=None))
        if pick is not None:
            picks.append(pick)
    return _choice(search.replays, min(picks, key=search.rank))


def _choice(replays: TrafficReplays, keep_warm: KeepWarm) -> KeepWarmChoice:
    """The choice of ``keep_warm``, from its central and pessimistic replays."""
    central, upper = replays.outcome(keep_warm, upper=False), replays.outcome(keep_warm, upper=True)
    assert central.cost is not None
    breakdown = {name: float(value) for name, value in central.cost.items()}
    total = float(sum(central.cost.values(), Decimal(0)))
    return KeepWarmChoice(
        keep_warm=keep_warm, feasible=upper.feasible, monthly_cost_usd=total,
        breakdown=breakdown, latency_ms=replays.percentiles(central.latency_ms),
        latency_upper_ms=replays.percentiles(upper.latency_ms), cold_start_fraction=central.cold_fraction,
        evaluated=replays.evaluated, latency_cdf_ms=latency_cdf(central.latency_ms),
    )


@dataclass
class _Search:
    """The search of each strategy's cheapest feasible setting over one set of replays."""

    replays: TrafficReplays

    def rank(self, keep_warm: KeepWarm) -> tuple[bool, float | Decimal, int]:
        """Sort key: feasible first, then by cost (feasible) or by violation (not), then simplest."""
        upper = self.replays.outcome(keep_warm, upper=True)
        if upper.feasible:
            return (False, self.replays.cost(keep_warm), STRATEGIES.index(keep_warm.kind))
        return (True, upper.violation, STRATEGIES.index(keep_warm.kind))

    def best(self, kind: str, cheapest: Decimal | None = None) -> KeepWarm | None:
        """The cheapest feasible setting of ``kind``, or its closest to feasible; ``None`` when no
        setting of ``kind`` can cost less than ``cheapest`` (a feasible cost found already)."""
        replays = self.replays
        if kind == "none":
            return KeepWarm("none")
        peak = replays.upper.peak_in_flight(replays.arrivals_s)
        if kind == "pings":
            interval = ping_interval_s(DEFAULT_KEEP_ALIVE_S)
            return self._counted(lambda c: KeepWarm("pings", ping_interval_s=interval, ping_concurrency=c), peak)
        if kind == "provisioned":
            make: Callable[[int], KeepWarm] = lambda n: KeepWarm("provisioned", provisioned=n)  # noqa: E731
            top = peak
        else:
            shape, most = replays.upper.hourly_in_flight(replays.arrivals_s, SCHEDULE_QUANTILE)
            top = max(math.ceil(SCHEDULE_STEPS * max(m / s for s, m in zip(shape, most, strict=True) if s > 0)), 1)

            def make(level: int) -> KeepWarm:
                # never more in an hour than it ever had in flight: more could not serve anything
                counts = [min(math.ceil(level * s / SCHEDULE_STEPS), math.ceil(m))
                          for s, m in zip(shape, most, strict=True)]
                return KeepWarm("schedule", schedule=ProvisionedSchedule.hourly(counts))

        if cheapest is not None and replays.cost_floor(make(1)) > cheapest:
            return None  # its smallest setting costs more than one that meets the SLA already
        return self._counted(make, top)

    def _counted(self, make: Callable[[int], KeepWarm], top: int) -> KeepWarm:
        """The cheapest feasible ``make(n)``, n in 1..top, where a larger n keeps more instances warm.

        Feasibility is taken as monotone in n (the least feasible n is searched from 1 up, after
        1 and ``top`` are tried), and the cost over the feasible n as convex (the first n whose
        next one costs no less, searched up from the least feasible); both searches gallop, as
        the answer is usually near where they start. The pick is checked on the pessimistic
        replay and falls back to the least feasible n if it fails.
        """
        replays = self.replays
        if replays.feasible(make(1)):
            low = 1
        elif not replays.feasible(make(top)):
            return make(top)
        else:
            low = _first(2, top, lambda n: replays.feasible(make(n)))
        best = _first(low, top, lambda n: replays.cost(make(n + 1)) >= replays.cost(make(n)))
        return make(best) if replays.feasible(make(best)) else make(low)


def _first(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The least n in ``[low, high)`` for which ``holds(n)``, if ``holds`` is monotone; ``high`` if none.

    Tries ``low``, ``low + 1``, ``low + 3``, ``low + 7``... until it holds, then bisects the last gap.
    """
    below, step = low - 1, 1  # holds(below) is false (or below is outside the range)
    probe = low
    while probe < high and not holds(probe):
        below, probe, step = probe, low + 2 * step - 1, 2 * step
    low, high = below + 1, min(probe, high)
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low
