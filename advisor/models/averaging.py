"""Averaging the ``knee`` form over its knee, by posterior weight, for curves measured at few sizes.

With three measured sizes, choosing a form by leave-one-size-out CV means fitting every fold
on two points: a 2-parameter curve fits any two exactly, so the folds say little, and the
choice flips with the noise. :class:`DurationModel`'s default (``form="average"``) instead
uses one physical family, ``a + b/min(vcpu(m), k)`` (:data:`~advisor.models.forms.FORMS`
``["knee"]``), in which Lambda's CPU allocation fixes everything but the knee ``k``:

- ``a`` is the I/O floor (time more CPU does not shorten), ``b`` the CPU work at one vCPU;
- ``k = 1``: single-threaded work, which stops speeding up at one vCPU (1,769 MB);
- ``k > 1``: work spread over ``k`` threads, which keeps speeding up to ``k`` vCPU;
- ``k < 1``: a thread that also waits on I/O and so never uses a whole vCPU (S3 clients
  flatten near 1 GB: ``k`` 0.25-0.5 on the mbwilding curves).

Every knee of :data:`KNEE_GRID` is fitted (non-negative least squares, linear once ``k`` is
fixed) and weighted by its prior times its likelihood, ``exp(-1/2 sum r_i^2 / v_i)``, where
``r_i`` is the relative error at measured size ``i`` and ``v_i`` its variance: the
invocations' relative variance over their count plus :data:`MISFIT_SD` squared (how far a
real curve's size means sit off the smooth form). All knees have the same number of
parameters, so no complexity penalty is needed. Predictions average the knees by weight
(and the predictive draws sample a knee per draw), so where three sizes cannot tell a knee
at 1 from one at 2 both are kept, in proportion to how well each explains the data.

The prior over the knee (:data:`KNEE_PRIOR`) is hierarchical in the empirical-Bayes sense:
it was learned on the development curves of ``bench/bench_models.py`` only (see
``bench/_curves.py`` for the split): for each development curve, the knee whose fit to all of
its sizes has the lowest relative error, counted, plus one for every grid knee (Laplace
smoothing). ``bench/bench_models.py --learn-prior`` prints those counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from advisor.models.forms import KNEE_GRID, FittedForm
from advisor.models.selection import Groups, fit_groups

#: Prior weight of each knee of :data:`KNEE_GRID`, learned on the development curves
#: (best-fitting knee of each, counted, plus one); see the module docstring.
KNEE_PRIOR: tuple[float, ...] = (3.0, 1.0, 4.0, 2.0, 6.0, 5.0, 2.0, 1.0, 1.0, 1.0)
#: Relative standard deviation of a real curve's size means around the smooth form (batch
#: effects, a runtime's quirks at one size), added to the invocations' noise in the
#: likelihood; chosen on the development curves.
MISFIT_SD = 0.05
#: Relative spread of one invocation assumed where the samples cannot estimate it (one
#: invocation per size): 10%, the lognormal sigma of the benchmark's synthetic samples and
#: about the largest spread measured at a size without memory pressure.
DEFAULT_NOISE_SD = 0.1


@dataclass(frozen=True)
class KneePosterior:
    """The ``knee`` form fitted at every knee, with each fit's posterior weight.

    Attributes:
        fits: One fit per knee of :data:`KNEE_GRID`.
        weights: Posterior weight of each fit (sums to 1).
    """

    fits: tuple[FittedForm, ...]
    weights: np.ndarray

    def predict(self, memory_mb: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """The weighted average of the fits' mean latencies at ``memory_mb``."""
        total = np.zeros(np.shape(memory_mb), dtype=float)
        for weight, fit in zip(self.weights, self.fits, strict=True):
            total += weight * fit.predict(memory_mb, extra)
        return total

    def most_likely(self) -> FittedForm:
        """The fit with the largest posterior weight."""
        return self.fits[int(np.argmax(self.weights))]

    def sample(self, rng: np.random.Generator) -> FittedForm:
        """One fit drawn by posterior weight."""
        return self.fits[int(rng.choice(len(self.fits), p=self.weights))]


def relative_noise_var(memory_mb: np.ndarray, y: np.ndarray) -> float:
    """Pooled variance of log latency within each memory size (one invocation's, relative).

    Falls back to :data:`DEFAULT_NOISE_SD` squared when no size has two invocations.
    """
    logs = np.log(np.asarray(y, dtype=float))
    memory = np.asarray(memory_mb, dtype=float)
    sizes, index = np.unique(memory, return_inverse=True)
    dof = len(logs) - len(sizes)
    if dof <= 0:
        return DEFAULT_NOISE_SD**2
    means = np.bincount(index, weights=logs) / np.bincount(index)
    return float(np.sum((logs - means[index]) ** 2) / dof)


def knee_posterior(
    groups: Groups,
    noise_var: float,
    working_set_mb: float | None,
    free_below_mb: float | None = None,
    prior: Sequence[float] | None = None,
    misfit_sd: float | None = None,
) -> KneePosterior:
    """Fit the ``knee`` form at every knee and weight each fit by prior times likelihood.

    Args:
        groups: Per-size means and counts.
        noise_var: Relative variance of one invocation (:func:`relative_noise_var`).
        working_set_mb: Working set for the pressure term (None: no pressure term).
        free_below_mb: See :func:`~advisor.models.forms.fit_form`.
        prior: Prior weight per knee of :data:`KNEE_GRID` (default :data:`KNEE_PRIOR`).
        misfit_sd: Relative misfit of a size mean around the form (default :data:`MISFIT_SD`).
    """
    prior = KNEE_PRIOR if prior is None else prior
    misfit = MISFIT_SD if misfit_sd is None else misfit_sd
    variance = noise_var / groups.count + misfit**2
    fits = []
    log_weights = []
    for knee, weight in zip(KNEE_GRID, prior, strict=True):
        fit = fit_groups("knee", groups, working_set_mb, free_below_mb, grid=(knee,))
        # At the measured sizes the fit is its own design times coefficients (no clipping).
        relative = fit.design(groups.memory_mb, groups.extra) @ fit.coef / groups.mean_ms - 1.0
        fits.append(fit)
        log_weights.append(np.log(weight) - 0.5 * float(np.sum(relative**2 / variance)))
    logs = np.asarray(log_weights)
    weights = np.exp(logs - logs.max())
    return KneePosterior(tuple(fits), weights / weights.sum())
