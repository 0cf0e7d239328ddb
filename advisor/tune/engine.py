"""``tune()``: measure, fit, score, decide, until a budget is spent or the answer is settled.

One pass of the loop (DESIGN.md, "The tuning loop"):

1. read every finished trial of the study (this worker's and any other's);
2. fit the duration model per architecture and score every allowed size
   (:mod:`advisor.tune.scoring`);
3. stop if a budget forbids another trial or the answer is settled (:mod:`advisor.tune.stopping`);
4. otherwise ask the study for a trial at the size the sampler chose
   (:mod:`advisor.tune.sampler`), measure it (:mod:`advisor.tune.measure`) and tell the study.

A size that fails is an infeasible trial with its errors; Ctrl-C ends the tuning with
``stopped_because = "interrupted"`` and the result so far. The engine has no terminal output:
``on_event`` receives :class:`~advisor.tune.result.TuneEvent` objects for a live view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import optuna
from optuna.trial import TrialState

from advisor.errors import UsageError
from advisor.pricing import PriceCatalog, lambda_records_cost
from advisor.targets import Target
from advisor.tune import stopping
from advisor.tune.decide import final_scores, month_at, recommended, score_architectures
from advisor.tune.keepwarm import KeepWarm
from advisor.tune.measure import Interrupted, Measurement, measure
from advisor.tune.month import Month, cheapest, init_draws, months
from advisor.tune.result import TrialSummary, TuneEvent, TuneResult
from advisor.tune.sampler import DesignSampler, most_promising, optuna_sampler
from advisor.tune.scoring import InvocationPrice, Scores
from advisor.tune.settings import TuneSettings, weighted_cycle
from advisor.tune.study import ARCH_PARAM, MEMORY_PARAM, busy, distributions, measurements, open_study, save_records

if TYPE_CHECKING:
    from advisor.context import Context

#: The trial user attribute holding what its invocations cost (USD).
COST_ATTR = "cost_usd"
Listener = Callable[[TuneEvent], None]


@dataclass
class _Run:
    """The state of one run of the loop."""

    settings: TuneSettings
    target: Target
    catalog: PriceCatalog
    study: optuna.Study
    sampler: DesignSampler
    emit: Listener
    started: float = field(default_factory=time.monotonic)
    prices: dict[str, InvocationPrice] = field(default_factory=dict)
    best: tuple[str, int] | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def out_of_time(self) -> bool:
        timeout = self.settings.budgets.timeout_s
        return timeout is not None and self.elapsed() >= timeout


def tune(
    target: Target,
    settings: TuneSettings,
    *,
    on_event: Listener | None = None,
    context: Context | None = None,
    storage: optuna.storages.BaseStorage | None = None,
) -> TuneResult:
    """Find the cheapest memory size (and architecture) that meets the SLA.

    Args:
        target: Where to invoke the function (configured and invoked; restoring it is the
            caller's, through the journal).
        settings: What to tune and within which budgets.
        on_event: Called with each :class:`TuneEvent` (trial started/finished, best changed,
            budget used, stopped).
        context: The command's workspace: its prices, its study file and, when its store is
            open, where the tuning records are kept. None: bundled prices, an in-memory study.
        storage: An Optuna storage object instead of ``settings.storage`` (in-process workers).

    Returns:
        The recommendation and everything that supports it.
    """
    catalog = context.prices if context is not None else PriceCatalog.bundled()
    _check_architectures(target, settings)
    initial = settings.space.memory.initial()
    sampler = DesignSampler(optuna_sampler(settings.sampler, startup=len(initial), seed=settings.seed))
    study = open_study(settings, sampler, workspace_dir=context.path if context is not None else None,
                       storage=storage)
    run = _Run(settings, target, catalog, study, sampler, on_event or (lambda _event: None))
    run.prices = {arch: InvocationPrice.of(catalog, settings.region, arch) for arch in settings.space.architectures}
    stopped = None
    try:
        while stopped is None:
            stopped = _step(run, initial, context)
    except KeyboardInterrupt:
        stopped = stopping.INTERRUPTED
    run.emit(TuneEvent("stopped", {"reason": stopped}))
    return _result(run, stopped)


def _check_architectures(target: Target, settings: TuneSettings) -> None:
    """Refuse architectures the target cannot run, before anything is invoked."""
    if set(settings.space.architectures) <= {target.own_architecture()}:
        return  # its own: asking for the others may cost a target a download
    runs = target.architectures()
    missing = [a for a in settings.space.architectures if a not in runs]
    if missing:
        raise UsageError(f"--arch {missing[0]} is not one the target can run (it runs {', '.join(runs)}).",
                         hint=f"Use --arch {','.join(runs)}.")


def _step(run: _Run, initial: tuple[int, ...], context: Context | None) -> str | None:
    """One pass of the loop: the stopping reason, or None after measuring one more trial."""
    settings = run.settings
    found = measurements(run.study)
    scores = _score_all(run, found)
    _announce_best(run, scores)
    spent = _spent(run, found)
    run.emit(TuneEvent("budget", {"invocations": spent.invocations, "budget_invocations": settings.budgets.invocations,
                                  "cost_usd": spent.usd, "budget_usd": settings.budgets.usd,
                                  "elapsed_s": spent.elapsed_s, "timeout_s": settings.budgets.timeout_s}))
    left = settings.budgets.invocations - spent.invocations
    planned = _plan(run, found, scores, initial, last=left < 2 * settings.invocations_per_trial)
    if planned is None and settings.sampler == "posterior":
        return stopping.SETTLED  # no size left that could change the answer
    design_done = planned is None or planned[2]
    if stopping.settled([s for s in scores.values() if s is not None], design_done) and \
            all(s is not None for s in scores.values()):
        return stopping.SETTLED
    next_usd = _estimate(run, scores, planned)
    reason = stopping.budget_reason(settings.budgets, spent, next_usd)
    if reason is not None:
        return reason
    count = min(settings.invocations_per_trial, settings.budgets.invocations - spent.invocations)
    _trial(run, planned, count, spent.invocations, found, context)
    return None


def _score_all(run: _Run, found: list[Measurement]) -> dict[str, Scores | None]:
    return score_architectures(found, architectures=run.settings.space.architectures,
                               grid=run.settings.space.memory.grid(), sla=run.settings.sla, prices=run.prices,
                               seed=run.settings.seed)


def _announce_best(run: _Run, scores: dict[str, Scores | None]) -> None:
    best = recommended(scores)
    if best is None:
        return
    key = (best.architecture, best.best_memory_mb)
    if key != run.best:
        run.best = key
        run.emit(TuneEvent("best-changed", {"memory_mb": key[1], "architecture": key[0],
                                            "cost_per_million_usd": float(best.cost_usd[best.best]) * 1e6,
                                            "feasible": best.best_feasible}))


def _spent(run: _Run, found: list[Measurement]) -> stopping.Spent:
    usd = sum(_trial_cost(run, m) for m in found)
    return stopping.Spent(sum(m.invocations for m in found), usd, run.elapsed())


def _trial_cost(run: _Run, m: Measurement) -> float:
    """What a trial's invocations cost, priced by the catalog's cost function."""
    billed = m.billed_ms()
    if not len(billed):
        return 0.0
    cost = lambda_records_cost(billed, m.memory_mb, catalog=run.catalog, region=run.settings.region,
                               arch=m.architecture)
    return float(cost.total_usd)


def _plan(run: _Run, found: list[Measurement], scores: dict[str, Scores | None],
          initial: tuple[int, ...], *, last: bool = False) -> tuple[str, int | None, bool] | None:
    """(architecture, memory or None for the Optuna sampler to choose, design done) or None.

    None means no size is left to try (``posterior`` only). ``last``: the invocation budget
    leaves room for one full trial at most; it goes to the recommendation when no measurement
    confirms it yet (the final pick is confined to measured neighbourhoods, so an unconfirmed
    recommendation would otherwise be exchanged for a dearer confirmed one).
    """
    others = busy(run.study)
    for arch in run.settings.space.architectures:
        tried = {m.memory_mb for m in found if m.architecture == arch} | {b[0] for b in others if b[1] == arch}
        floor = max([m.memory_mb for m in found if m.architecture == arch and m.failed], default=None)
        for size in initial:
            if size not in tried and (floor is None or size > floor):
                return arch, size, False
    if run.settings.sampler != "posterior":
        return run.settings.space.architectures[0], None, True
    fitted = {a: s for a, s in scores.items() if s is not None}
    unfitted = [a for a in run.settings.space.architectures if a not in fitted]
    for arch in unfitted:
        extra = _fallback(run, [m for m in found if m.architecture == arch])
        if extra is not None:
            return arch, extra, False
    if not fitted:
        return None
    pick = recommended(fitted)
    if last and pick is not None and pick.best_feasible and not stopping.confirmed(pick) \
            and (pick.best_memory_mb, pick.architecture) not in others:
        return pick.architecture, pick.best_memory_mb, True
    best = max(fitted.values(), key=lambda s: s.max_chance())
    busy_sizes = [b[0] for b in others if b[1] == best.architecture]
    return best.architecture, most_promising(best, busy_sizes), True


def _fallback(run: _Run, found: list[Measurement]) -> int | None:
    """A size to try when the model cannot be fitted yet: halfway (in log) above every failure."""
    space = run.settings.space.memory
    tried = {m.memory_mb for m in found}
    floor: int = max([m.memory_mb for m in found if m.failed], default=space.low - 1)
    grid = space.grid()
    left = grid[(grid > floor) & ~np.isin(grid, list(tried))]
    if not len(left):
        return None
    target = float(np.exp((np.log(max(floor, space.low)) + np.log(space.high)) / 2.0))
    above = left[left >= target]
    return int(above[0]) if len(above) else int(left[-1])


Planned = tuple[str, int | None, bool]


def _estimate(run: _Run, scores: dict[str, Scores | None], planned: Planned | None) -> float | None:
    """Estimated cost (USD) of the next trial, when the model knows the size's duration."""
    if planned is None:
        return None
    arch, size, _ = planned
    s = scores.get(arch)
    if s is None:
        return None
    index = int(np.argmin(np.abs(s.memory_mb - (size if size is not None else s.best_memory_mb))))
    return float(s.cost_usd[index]) * run.settings.invocations_per_trial


def _trial(run: _Run, planned: tuple[str, int | None, bool] | None, count: int, done: int,
           found: list[Measurement], context: Context | None) -> None:
    """Ask the study for a trial, measure it and tell the study."""
    settings = run.settings
    arch, size, _ = planned if planned is not None else (settings.space.architectures[0], None, True)
    run.sampler.planned = None if size is None else {MEMORY_PARAM: size, ARCH_PARAM: arch}
    trial = run.study.ask(distributions(settings.space))
    run.sampler.planned = None
    memory, arch = int(trial.params[MEMORY_PARAM]), str(trial.params[ARCH_PARAM])
    first_of_arch = not any(m.architecture == arch for m in found)
    colds = (2 if first_of_arch else 1) if settings.traffic is not None else 0
    run.emit(TuneEvent("trial-started", {"number": trial.number, "memory_mb": memory, "architecture": arch,
                                         "invocations": count}))
    try:
        payloads = weighted_cycle(settings.payloads, count, start=done)
        result = measure(run.target, memory_mb=memory, architecture=arch, payloads=payloads,
                         cold_starts=colds, should_stop=run.out_of_time)
    except BaseException as exc:
        if isinstance(exc, Interrupted) and exc.partial.records:
            partial = Measurement(memory, arch, exc.partial.records, trial.number)
            save_records(run.study, trial, partial, {COST_ATTR: _trial_cost(run, partial)})
        run.study.tell(trial, state=TrialState.FAIL)
        raise
    measurement = Measurement(memory, arch, result.records, trial.number)
    cost = _trial_cost(run, measurement)
    save_records(run.study, trial, measurement, {COST_ATTR: cost})
    for objective, excess in zip(run.settings.sla.objectives, _constraints(run, measurement), strict=True):
        trial.set_constraint(f"p{objective.percentile:g}", excess)
    if context is not None and context.store is not None:
        from advisor.tune.records import store_tuning_records

        store_tuning_records(context.store, settings.function, settings.study_name, measurement)
    if measurement.invocations and measurement.durations_ms().size:
        value = float(np.mean(run.prices[arch].cost(np.array([memory]), measurement.durations_ms())))
        run.study.tell(trial, value)
    elif measurement.invocations:
        run.study.tell(trial, cost / measurement.invocations)
    else:
        run.study.tell(trial, state=TrialState.FAIL)
    run.emit(TuneEvent("trial-finished", TrialSummary.of(measurement, cost).to_dict()))


def _constraints(run: _Run, measurement: Measurement) -> list[float]:
    """Each objective's measured percentile less its limit (ms; > 0 violated); failures violate."""
    if measurement.failed or not measurement.durations_ms().size:
        return [1.0] * len(run.settings.sla.objectives)
    return [float(measurement.percentile_ms(o.percentile) or 0.0) - o.limit_ms for o in run.settings.sla.objectives]


def _result(run: _Run, stopped: str) -> TuneResult:
    found = measurements(run.study)
    settings = run.settings
    scores = final_scores(found, architectures=settings.space.architectures, grid=settings.space.memory.grid(),
                          sla=settings.sla, prices=run.prices, seed=settings.seed)
    spent = _spent(run, found)
    trials = tuple(TrialSummary.of(m, _trial_cost(run, m)) for m in found)
    notes: list[str] = []
    best = recommended(scores)
    if best is None:
        notes.append("no model could be fitted: fewer than two memory sizes ran successfully")
    elif not best.best_feasible:
        notes.append("no size meets the SLA at the upper end of its interval; the one nearest to it is shown")
    if run.settings.traffic is None:
        notes.append("no traffic known: the SLA is over warm duration and monthly figures are unknown")
    elif best is not None and not best.feasible.any():
        notes.append("no size meets the SLA over warm duration, so no keep-warm setting can meet it")
    month = None
    candidates: list[Month] = []
    current = None
    if settings.traffic is not None and best is not None:
        for arch, arch_scores in scores.items():
            if arch_scores is not None:
                candidates += months(arch_scores, [m for m in found if m.architecture == arch],
                                     trace=settings.traffic, sla=settings.sla, strategies=settings.keep_warm,
                                     catalog=run.catalog, region=settings.region, seed=settings.seed)
        month = cheapest(candidates)
        if month is not None:
            best = scores[month.architecture]
        current = _current_month(run, scores, found)
        inits = init_draws(found, settings.seed)
        if inits.note is not None:
            notes.append(inits.note)
    return TuneResult(
        function=settings.function, sla=str(settings.sla), sla_basis=settings.sla_basis, scores=scores,
        best=best, trials=trials, invocations=spent.invocations, cost_usd=spent.usd, stopped_because=stopped,
        current_memory_mb=settings.current.memory_mb, current_architecture=settings.current.architecture,
        study=settings.study_name, sampler=settings.sampler, notes=tuple(notes),
        month=month, months=tuple(candidates), current_month=current, keep_warm=KeepWarm("none").to_dict(),
    )


def _current_month(run: _Run, scores: dict[str, Scores | None], found: list[Measurement]) -> Month | None:
    """Today's month (its size, no keep-warm) when today's size is known and in the space."""
    settings = run.settings
    memory = settings.current.memory_mb
    arch = settings.current.architecture or settings.space.architectures[0]
    arch_scores = scores.get(arch)
    if memory is None or arch_scores is None or settings.traffic is None:
        return None
    return month_at(arch_scores, found, memory, trace=settings.traffic, sla=settings.sla, strategies=("none",),
                    catalog=run.catalog, region=settings.region, seed=settings.seed)
