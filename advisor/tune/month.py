"""With traffic known: each candidate size's month at its cheapest keep-warm setting.

The sampler and the stopping rule work on the warm duration (its SLA is necessary for the
end-to-end one: a cold start only adds to a request's latency, and keep-warm can remove them;
and the price of an invocation is most of a month's). Once they are done, the candidates
that meet the SLA over warm duration are replayed against the traffic by
:func:`advisor.tune.keepwarm.cheapest_keep_warm`, with durations drawn from the model:

- central draws: the size's central mean duration times the per-invocation spread (the
  median of its posterior), log-normal;
- pessimistic draws: the upper end of the 90% interval of the mean times the upper end of the
  spread's: the replay in which the SLA must hold;
- init times: the cold-start model's predictive draws at the size when the measurements hold
  cold starts at two or more sizes (:func:`advisor.models.coldstart.fit_cold_starts`), else
  the measured init times; their pessimistic draws are scaled by the upper end of the
  t-interval of their mean. No cold start measured: init unknown, a cold start adds nothing
  (and the result says so).

The recommendation is the cheapest feasible month; on a tie, the smaller size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from advisor.tune.keepwarm import KeepWarmChoice, cheapest_keep_warm
from advisor.tune.levels import PESSIMISTIC
from advisor.tune.measure import Measurement

# The model's modules (scikit-learn, scipy.stats: a second of start-up) are loaded where a model
# is fitted or read: advisor recommend on one measured size never needs them.
if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla
    from advisor.tune.scoring import Scores

#: Draws of a duration handed to the replay.
SAMPLE: Final = 2000
#: Sizes replayed per architecture (spread in log memory over the warm-feasible ones).
CANDIDATES: Final = 8


@dataclass(frozen=True)
class Month:
    """One candidate's month.

    Attributes:
        architecture: The architecture.
        memory_mb: The size.
        choice: Its cheapest keep-warm setting, with the month's cost and latencies.
    """

    architecture: str
    memory_mb: int
    choice: KeepWarmChoice


@dataclass(frozen=True)
class InitDraws:
    """Init-time draws by size, or the reason there are none."""

    model: object | None
    measured: np.ndarray
    note: str | None

    def at(self, memory_mb: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Central and pessimistic init draws at ``memory_mb`` (None: unknown)."""
        if self.model is not None:
            frame = pd.DataFrame({"memory_mb": [float(memory_mb)]})
            central = self.model.predict_distribution(frame).draws[0]  # type: ignore[attr-defined]
            central = np.random.default_rng(memory_mb).choice(central, SAMPLE)
        elif len(self.measured):
            central = np.resize(self.measured, SAMPLE)
        else:
            return None
        return central, central * mean_upper_factor(self.measured)


def init_draws(measurements: Sequence[Measurement], seed: int) -> InitDraws:
    """The cold-start model of the measured cold starts (or the measured init times)."""
    rows = [(m.memory_mb, i) for m in measurements if not m.failed for i in m.init_ms()]
    samples = pd.DataFrame(rows, columns=["memory_mb", "init_ms"])
    measured = samples["init_ms"].to_numpy(float)
    if not len(measured):
        return InitDraws(None, measured, "no cold start was measured: init time unknown, counted as 0")
    from advisor.models.coldstart import fit_cold_starts

    fit = fit_cold_starts(samples, random_state=seed)
    return InitDraws(fit.model, measured, fit.reason)


def months(scores: Scores, measurements: Sequence[Measurement], *, trace: Trace, sla: Sla,
           strategies: Sequence[str], catalog: PriceCatalog, region: str, seed: int) -> list[Month]:
    """The month of each candidate of one architecture (see the module docstring)."""
    inits = init_draws(measurements, seed)
    return [month_of(model_draws(scores, index, inits, seed), trace=trace, sla=sla, strategies=strategies,
                     catalog=catalog, region=region, seed=seed)
            for index in candidate_indexes(scores)]


@dataclass(frozen=True)
class SizeDraws:
    """The draws one size's month is replayed with (see :func:`cheapest_keep_warm`).

    Attributes:
        architecture: The architecture.
        memory_mb: The size.
        warm_ms, warm_upper_ms: Central and pessimistic warm durations.
        init_ms, init_upper_ms: Central and pessimistic init times; None: unknown.
    """

    architecture: str
    memory_mb: int
    warm_ms: np.ndarray
    warm_upper_ms: np.ndarray
    init_ms: np.ndarray | None
    init_upper_ms: np.ndarray | None


def model_draws(scores: Scores, index: int, inits: InitDraws, seed: int) -> SizeDraws:
    """The duration model's draws at ``scores.memory_mb[index]`` (the module docstring)."""
    z = np.random.default_rng(seed).standard_normal(SAMPLE)
    s_central = float(np.median(scores.spread))
    s_upper = float(np.quantile(scores.spread, PESSIMISTIC))
    memory = int(scores.memory_mb[index])
    warm = scores.mean_ms[index] * np.exp(s_central * z - s_central**2 / 2)
    warm_upper = scores.mean_high_ms[index] * np.exp(s_upper * z - s_upper**2 / 2)
    init = inits.at(memory)
    return SizeDraws(scores.architecture, memory, warm, warm_upper, None if init is None else init[0],
                     None if init is None else init[1])


def measured_draws(architecture: str, memory_mb: int, warm_ms: np.ndarray, inits: InitDraws) -> SizeDraws:
    """Draws of a size known only by its measured durations (no model: one size measured).

    The central draws are the durations themselves; the pessimistic ones are scaled by the
    upper end of the t-interval of their mean, as the measured init times are.
    """
    init = inits.at(memory_mb)
    return SizeDraws(architecture, memory_mb, warm_ms, warm_ms * mean_upper_factor(warm_ms),
                     None if init is None else init[0], None if init is None else init[1])


def month_of(draws: SizeDraws, *, trace: Trace, sla: Sla, strategies: Sequence[str], catalog: PriceCatalog,
             region: str, seed: int) -> Month:
    """The size's month at its cheapest keep-warm setting of ``strategies``."""
    choice = cheapest_keep_warm(
        trace, memory_mb=draws.memory_mb, architecture=draws.architecture, warm_ms=draws.warm_ms,
        init_ms=draws.init_ms, warm_ms_upper=draws.warm_upper_ms, init_ms_upper=draws.init_upper_ms, sla=sla,
        strategies=strategies, catalog=catalog, region=region, seed=seed)
    return Month(draws.architecture, draws.memory_mb, choice)


def candidate_indexes(scores: Scores) -> list[int]:
    """Up to :data:`CANDIDATES` warm-feasible sizes, spread in log memory, and the warm pick."""
    feasible = np.flatnonzero(scores.feasible)
    if not len(feasible):
        return [scores.best]
    logs = np.log(scores.memory_mb[feasible].astype(float))
    targets = np.linspace(logs[0], logs[-1], CANDIDATES)
    picks = {int(feasible[np.argmin(np.abs(logs - t))]) for t in targets}
    picks.add(scores.best)
    return sorted(picks)


def cheapest(found: Sequence[Month]) -> Month | None:
    """The cheapest feasible month (the one nearest to feasible when none is)."""
    if not found:
        return None
    feasible = [m for m in found if m.choice.feasible]
    pool = feasible or list(found)
    return min(pool, key=lambda m: (m.choice.monthly_cost_usd, m.memory_mb))


def mean_upper_factor(values: np.ndarray) -> float:
    """Upper end of the 90% t-interval of the mean of ``values``, over their mean (1 for one value)."""
    from scipy import special  # stdtrit(dof, p) is stats.t.ppf(p, dof), without scipy.stats's import

    if len(values) < 2 or float(np.mean(values)) <= 0:
        return 1.0
    error = float(np.std(values, ddof=1)) / np.sqrt(len(values))
    return 1.0 + float(special.stdtrit(len(values) - 1, PESSIMISTIC)) * error / float(np.mean(values))
