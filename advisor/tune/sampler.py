"""Which memory size to measure next.

Three samplers were compared on ``bench/bench_tune.py`` (docs/tune.md, "How it decides"):

- ``posterior`` (the default): advisor's own. After the initial design (three sizes spread
  in log memory) it measures the size with the largest expected saving over the current
  recommendation, counting only the duration model's draws in which that size meets the SLA
  (a constrained expected improvement; :mod:`advisor.tune.scoring`). It spends invocations
  where the answer can still change; the stopping rule asks the same draws whether it can.
- ``tpe``: Optuna's TPE with constraints on each trial's measured cost per invocation, the
  measured percentiles against the SLA as constraints (``Trial.set_constraint``, which
  Optuna 5 reads in place of the deprecated ``constraints_func``).
- ``gp``: Optuna's Gaussian-process sampler (``GPSampler``, with the same constraints; it
  needs PyTorch).

Whatever the sampler, the recommendation is read off the fitted model, not off the best
trial: a sampler only chooses where to measure. Optuna's samplers see each trial's noisy
figures alone and know nothing of how duration scales with memory, so with a budget of five
or six trials they explore where the model already knows the answer.

:class:`DesignSampler` is the one sampler the study is given: it returns the parameters the
engine planned (the initial design; every proposal of ``posterior``) and otherwise asks the
Optuna sampler inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from advisor.tune.scoring import Scores

#: A proposal this close (octaves, about 7%) to a measured size is measured at that size.
SNAP_OCTAVES = 0.1
def optuna_sampler(kind: str, *, startup: int, seed: int) -> BaseSampler | None:
    """The Optuna sampler of ``kind`` (None for ``posterior``, which the engine drives).

    Both read the constraints each trial sets (``Trial.set_constraint``: a measured percentile
    less its limit, > 0 violated). ``gp`` needs PyTorch, which advisor does not depend on.
    """
    if kind == "tpe":
        return optuna.samplers.TPESampler(n_startup_trials=startup, seed=seed)
    if kind == "gp":
        return optuna.samplers.GPSampler(n_startup_trials=startup, seed=seed, deterministic_objective=False)
    return None


class DesignSampler(BaseSampler):
    """Planned parameters when the engine has them; the inner Optuna sampler otherwise.

    Args:
        inner: The Optuna sampler for unplanned trials (None: every trial is planned).
    """

    def __init__(self, inner: BaseSampler | None = None) -> None:
        self._inner = inner
        self.planned: dict[str, Any] | None = None

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        if self.planned is not None or self._inner is None:
            return {}
        return self._inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        if self.planned is not None or self._inner is None:
            return {}
        return self._inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        if self.planned is not None and param_name in self.planned:
            return self.planned[param_name]
        if self._inner is None:
            raise RuntimeError(f"no planned value for {param_name}")  # the engine always plans
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        if self._inner is not None:
            self._inner.before_trial(study, trial)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        if self._inner is not None:
            self._inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        if self._inner is not None:
            self._inner.reseed_rng()


def most_promising(scores: Scores, busy_mb: Sequence[int] = ()) -> int:
    """The size with the largest expected saving (``gain``: constrained expected improvement).

    A size within :data:`SNAP_OCTAVES` of a measured one is measured *at* that size instead:
    more invocations there narrow its mean, whereas a second size a few MB away adds nothing
    the model can tell apart from noise (and makes its cross-validated form error, a rate per
    octave, explode). Sizes another worker is measuring now (``busy_mb``) are skipped, so
    workers sharing a study measure different sizes. When no size can save anything, the
    recommendation itself (or the measured size next to it), to confirm it.
    """
    gain = scores.gain.copy()
    for size in busy_mb:
        gain[np.abs(np.log2(scores.memory_mb / size)) <= SNAP_OCTAVES] = -1.0
    if gain.max() <= 0.0:
        return snap(scores.best_memory_mb, scores.measured_mb)
    # Several sizes share the top gain when it is flat: the smallest of them costs least to measure.
    return snap(int(scores.memory_mb[np.flatnonzero(gain >= gain.max())[0]]), scores.measured_mb)


def snap(memory_mb: int, measured_mb: np.ndarray) -> int:
    """``memory_mb``, or the measured size nearest to it when one is within :data:`SNAP_OCTAVES`."""
    if not len(measured_mb):
        return memory_mb
    distance = np.abs(np.log2(measured_mb / memory_mb))
    nearest = int(np.argmin(distance))
    return int(measured_mb[nearest]) if distance[nearest] <= SNAP_OCTAVES else memory_mb
