"""``recommend()``: the tuner's last step on the evidence the workspace holds, nothing invoked.

1. gather the measurements (tuning records, imported traffic, other sources) and the traffic
   (:mod:`advisor.recommend.evidence`);
2. per architecture with two or more measured sizes: score every Lambda size with the duration
   model and keep the answer near a measured size (:func:`advisor.tune.decide.final_scores`),
   then take the tuner's candidate sizes (:func:`advisor.tune.month.candidate_indexes`), the
   measured sizes and today's; with one measured size, that size alone, its durations as
   measured (:func:`advisor.tune.month.measured_draws`);
3. replay each size on the traffic under the best setting of *each* keep-warm strategy
   (:func:`advisor.tune.month.month_of`, one strategy at a time), priced as a month;
4. the recommendation is the cheapest candidate that meets the SLA on the pessimistic replay
   (:func:`advisor.tune.month.cheapest`); today's configuration is its size with no keep-warm;
5. the frontier, the hourly schedule, the missing evidence and the break-even at the
   recommended configuration: the traffic served with the durations and init times the
   recommended candidate was replayed with, Lambda under its keep-warm setting, so that the
   break-even's Lambda row at the real volume is that candidate's month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from advisor.breakeven.families import FAMILIES
from advisor.breakeven.lineup import Lineup
from advisor.breakeven.volume import DEFAULT_FACTORS
from advisor.errors import UsageError
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_REGION
from advisor.recommend.evidence import TRAFFIC, Evidence, gather
from advisor.recommend.missing import missing_evidence
from advisor.recommend.pareto import frontier
from advisor.recommend.result import Candidate, MeasuredSize, Recommendation
from advisor.recommend.schedule import HourlySchedule
from advisor.tune.month import (
    Month,
    candidate_indexes,
    cheapest,
    init_draws,
    measured_draws,
    model_draws,
    month_of,
)
from advisor.tune.settings import KEEP_WARM_STRATEGIES
from advisor.tune.space import MemorySpace

if TYPE_CHECKING:
    from advisor.breakeven import Breakeven, Service
    from advisor.context import Context
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla
    from advisor.tune.measure import Measurement
    from advisor.tune.month import SizeDraws
    from advisor.tune.scoring import Scores

#: Platform families of the break-even (``--platforms``), all by default.
PLATFORMS = FAMILIES


@dataclass(frozen=True)
class RecommendSettings:
    """What a recommendation is asked for.

    Attributes:
        sla: The latency objectives, over the end-to-end latency of the traffic's requests.
        strategies: Keep-warm strategies to consider.
        region: Pricing region; None: the function's own, else the default.
        seed: Seed of every draw and replay.
        since, until: The window of imported traffic.
        platforms: Break-even platform families (empty: no break-even).
        lineup: The break-even's platform settings (its Lambda memory and architecture are the
            recommendation's).
        service: GPU times, cold starts and batching of the break-even.
        factors: The break-even's volumes, as factors of the real traffic.
    """

    sla: Sla
    strategies: tuple[str, ...] = KEEP_WARM_STRATEGIES
    region: str | None = None
    seed: int = 0
    since: datetime | None = None
    until: datetime | None = None
    platforms: tuple[str, ...] = PLATFORMS
    lineup: Lineup = field(default_factory=Lineup)
    service: Service | None = None
    factors: tuple[float, ...] = DEFAULT_FACTORS


@dataclass
class _Work:
    """One recommendation's inputs, resolved."""

    evidence: Evidence
    trace: Trace
    settings: RecommendSettings
    context: Context
    region: str
    notes: list[str] = field(default_factory=list)
    scores: dict[str, Scores | None] = field(default_factory=dict)
    draws: dict[tuple[str, int], SizeDraws] = field(default_factory=dict)

    def months(self, draws: SizeDraws) -> list[Month]:
        """The size's month under the best setting of each strategy (its draws kept for the break-even)."""
        s = self.settings
        self.draws[(draws.architecture, draws.memory_mb)] = draws
        return [month_of(draws, trace=self.trace, sla=s.sla, strategies=(kind,), catalog=self.context.prices,
                         region=self.region, seed=s.seed) for kind in s.strategies]


def recommend(context: Context, function: str, settings: RecommendSettings) -> Recommendation:
    """The cheapest memory, architecture and keep-warm setting that meets the SLA, from stored evidence.

    Args:
        context: The command's workspace, its store open, and its prices.
        function: The function (as the workspace names it).
        settings: The SLA and what to consider.

    Raises:
        NotFoundError: the function is not in the workspace.
        UsageError: it has no imported traffic to replay, or no successful duration at all.
    """
    if context.store is None:
        raise UsageError("advisor recommend needs the workspace's store open.")
    evidence = gather(context.store, function, since=settings.since, until=settings.until)
    if evidence.trace is None:
        raise UsageError(f"{function} has no imported invocations (traffic) to replay"
                         + (" in that --since/--until window." if settings.since or settings.until else "."),
                         hint=f"Import its logs first: advisor import cloudwatch {function} --since 7d.")
    region = settings.region or evidence.info.region or DEFAULT_REGION
    work = _Work(evidence, evidence.trace, settings, context, region)
    candidates: list[Candidate] = []
    for arch in evidence.architectures():
        candidates += _candidates(work, arch)
    if not candidates:
        raise UsageError(f"{function} has no successful invocation with a known memory size to recommend from.",
                         hint=f"Measure it: advisor tune {function} --sla {settings.sla}.")
    current = _current(work, candidates)
    candidates.sort(key=Candidate.sort_key)
    pick = cheapest([c.month for c in candidates])
    best = next((c for c in candidates if c.month is pick), None)
    if best is not None and not best.meets_sla:
        work.notes.append("no candidate meets the SLA at the upper end of its interval; the cheapest is shown")
    return Recommendation(
        function=function, sla=settings.sla, region=region, architecture=evidence.info.architecture,
        sources={name: evidence.count(name) for name in evidence.sources},
        measured=_measured(evidence), traffic_requests=len(work.trace), current=current, recommended=best,
        candidates=tuple(candidates),
        pareto=tuple(frontier([(c.monthly_cost_usd, c.p95_ms()) for c in candidates])),
        schedule=_schedule(candidates, best),
        missing=tuple(missing_evidence(evidence, work.scores, best, sla=settings.sla)),
        breakeven=_breakeven(work, best), notes=tuple(work.notes),
    )


def _candidates(work: _Work, arch: str) -> list[Candidate]:
    """Every candidate of ``arch``: each size under the best setting of each strategy."""
    evidence, s = work.evidence, work.settings
    found = evidence.measurements(arch)
    sizes = evidence.sizes(arch)
    inits = init_draws(found, s.seed)
    if inits.note is not None and inits.note not in work.notes:
        work.notes.append(inits.note)
    if not sizes:
        work.notes.append(f"{arch}: no size ran successfully ({', '.join(_failures(found))}), so none is a candidate")
        return []
    if len(sizes) < 2:
        draws = measured_draws(arch, sizes[0], _measured_durations(work, arch, sizes[0]), inits)
        return [Candidate(m, True) for m in work.months(draws)]
    # the model's modules load here only (scikit-learn, scipy: a second of start-up)
    from advisor.tune.decide import final_scores
    from advisor.tune.scoring import InvocationPrice

    prices = {arch: InvocationPrice.of(work.context.prices, work.region, arch)}
    scores = final_scores(found, architectures=(arch,), grid=MemorySpace.full().grid(), sla=s.sla, prices=prices,
                          seed=s.seed)[arch]
    work.scores[arch] = scores
    if scores is None:  # fewer than two sizes above the largest failure: as one measured size
        draws = measured_draws(arch, sizes[-1], _measured_durations(work, arch, sizes[-1]), inits)
        return [Candidate(m, True) for m in work.months(draws)]
    wanted = set(candidate_indexes(scores)) | set(np.flatnonzero(np.isin(scores.memory_mb, sizes)).tolist())
    out = []
    for index in sorted(wanted):
        size = int(scores.memory_mb[index])
        out += [Candidate(m, size in sizes) for m in work.months(model_draws(scores, index, inits, s.seed))]
    return out


def _failures(found: Sequence[Measurement]) -> list[str]:
    return [f"{m.memory_mb:,} MB: {'; '.join(m.errors())}" for m in found if m.failed]


def _measured_durations(work: _Work, arch: str, memory_mb: int) -> np.ndarray:
    """The measured warm durations at one size: the traffic's own, request by request, when the
    whole traffic ran at that size (so a replay of it with ``advisor replay`` is the same
    replay), else every source's durations there pooled (a sample the requests draw from)."""
    trace = work.trace
    at_size = trace.request_memory_mb is None or bool(np.all(trace.request_memory_mb == memory_mb))
    traffic_arch = {m.architecture for m in work.evidence.sources.get(TRAFFIC, [])}
    if (trace.memory_mb == memory_mb and at_size and traffic_arch == {arch}
            and bool(np.isfinite(trace.service_ms).all()) and bool((trace.service_ms >= 0).all())):
        return trace.service_ms
    return np.concatenate([m.durations_ms() for m in work.evidence.measurements(arch) if m.memory_mb == memory_mb])


def _current(work: _Work, candidates: list[Candidate]) -> Candidate | None:
    """Today's configuration (its size, no keep-warm) among the candidates, added when the model
    can price it; None when today's size is unknown or cannot be priced."""
    info, trace = work.evidence.info, work.trace
    memory = info.memory_mb or trace.memory_mb
    arch = info.architecture or DEFAULT_ARCH
    if memory is None:
        work.notes.append("today's memory size is unknown (neither the workspace nor the traffic says it)")
        return None
    work.notes.append("today's keep-warm is taken as none: the workspace does not record provisioned concurrency "
                      "or warm-up pings")
    for c in candidates:
        if (c.architecture, c.memory_mb, c.kind) == (arch, memory, "none"):
            return c
    scores = work.scores.get(arch)
    if scores is None:
        work.notes.append(f"today's configuration ({memory:,} MB, {arch}) was not measured and no model covers "
                          "it: its month is unknown")
        return None
    hit = np.flatnonzero(scores.memory_mb == memory)
    if not len(hit):
        return None
    s = work.settings
    draws = model_draws(scores, int(hit[0]), init_draws(work.evidence.measurements(arch), s.seed), s.seed)
    work.draws[(arch, memory)] = draws
    month = month_of(draws, trace=work.trace, sla=s.sla, strategies=("none",), catalog=work.context.prices,
                     region=work.region, seed=s.seed)
    current = Candidate(month, memory in work.evidence.sizes(arch))
    candidates.append(current)
    return current


def _measured(evidence: Evidence) -> tuple[MeasuredSize, ...]:
    out = []
    for source, found in evidence.sources.items():
        for m in found:
            out.append(MeasuredSize(m.architecture, m.memory_mb, m.invocations or None, source))
    return tuple(out)


def _schedule(candidates: Sequence[Candidate], best: Candidate | None) -> HourlySchedule | None:
    """The best ``schedule`` setting at the recommended size and architecture, hour by hour."""
    if best is None:
        return None
    for c in candidates:
        if (c.architecture, c.memory_mb, c.kind) == (best.architecture, best.memory_mb, "schedule"):
            schedule = c.month.choice.keep_warm.schedule
            assert schedule is not None
            verdict = "meets" if c.meets_sla else "misses"
            extra = c.monthly_cost_usd - best.monthly_cost_usd
            role = ("the recommendation" if c is best else f"${extra:,.2f}/month more than the recommendation"
                    if extra >= 0 else f"${-extra:,.2f}/month less than the recommendation")
            words = (f"provisioned instances by UTC hour at {c.memory_mb:,} MB ({c.architecture}), shaped by the "
                     f"traffic's requests in flight per hour: ${c.monthly_cost_usd:,.2f}/month, {verdict} the SLA; "
                     f"{role}")
            return HourlySchedule.of(schedule, words)
    return None


def _breakeven(work: _Work, best: Candidate | None) -> Breakeven | None:
    """The break-even across the asked platform families, at the recommended configuration: the
    traffic served as the recommended candidate was (:func:`served`), Lambda at its size,
    architecture, region and keep-warm setting (and with provisioned concurrency ``auto``)."""
    s = work.settings
    if not s.platforms:
        return None
    from advisor.breakeven import Service, breakeven

    trace, lineup = work.trace, s.lineup
    if best is not None:
        trace = served(work.trace, work.draws[(best.architecture, best.memory_mb)], seed=s.seed)
        lineup = replace(lineup, memory_mb=best.memory_mb, arch=best.architecture, region=work.region,
                         keep_warm=best.month.choice.keep_warm)
    models = lineup.models(work.context.prices, trace, families=s.platforms)
    return breakeven(trace, models, s.service or Service(), s.sla, factors=s.factors, seed=s.seed)


def served(trace: Trace, draws: SizeDraws, *, seed: int) -> Trace:
    """``trace``'s arrivals with the central durations and init times of ``draws``, request by
    request as the candidate's replay maps them (:func:`advisor.tune.draws.draws_for`), at its size."""
    from advisor.tune.draws import draws_for

    central = draws_for(trace, draws.warm_ms, draws.init_ms, seed=seed, what="central")
    return replace(trace, service_ms=central.service_ms, memory_mb=draws.memory_mb, request_memory_mb=None,
                   init_ms=None if draws.init_ms is None else central.init_ms, log_stream=None)
