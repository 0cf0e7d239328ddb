"""Duration (handler time) against memory."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from advisor.models._base import AVERAGE, DEFAULT_BOOTSTRAP, MemoryCurveModel

#: Forms compared by default: two simple curves and the Lambda-physics form.
DURATION_FORMS = ("inverse", "exponential", "lambda")


class DurationModel(MemoryCurveModel):
    """Duration of one invocation (ms) at any memory size from 128 to 10,240 MB.

    By default (``form="average"``) the model is the ``knee`` form, ``io + cpu/min(vcpu, k)``
    (plus a memory-pressure term when measured), averaged over its knee ``k`` by posterior
    weight (:mod:`advisor.models.averaging`): with the few sizes a tuner measures, choosing a
    form by cross-validation is fragile, and Lambda's CPU allocation leaves only the knee
    unknown (1 for a single thread, more for several threads, less for a thread that also
    waits on I/O).

    ``form="auto"`` instead chooses one of ``candidates`` by cross-validation. The ``lambda``
    form follows how Lambda allocates CPU (``memory/1769`` vCPU, at most 6):
    ``io + serial/min(vcpu,1) + parallel/min(vcpu,threads) + pressure*h(working_set/m)``,
    all parts non-negative. It is compared by leave-one-memory-size-out cross-validation with
    ``a + b*1024/m`` and Parrotfish's ``a + b*exp(-m/c)``; ``form="auto"`` keeps the one with
    the lowest CV error (the simpler one on a tie within 0.1 point).

    Args:
        form: ``"average"``, ``"auto"`` or a form name (``"lambda"``, ``"inverse"``,
            ``"exponential"``, ``"knee"``, ...).
        candidates: Forms compared when ``form="auto"`` (default: ``DURATION_FORMS``).
        n_bootstrap: Bootstrap refits for parameter uncertainty.
        working_set_mb: Working set (MB) for the memory-pressure term. None: the median
            ``max_memory_used_mb`` of the size where it is smallest, when X has that column.
        random_state: Seed for the bootstrap and interval draws.

    Attributes:
        form_: The chosen form's name (``"knee"`` when averaged).
        params_: Its fitted parameters by name (averaged: those of the most likely knee).
        knee_weights_: ``{knee: posterior weight}`` (only when averaged).
        cv_results_: ``{form: CvResult}`` for every compared form.
        cv_error_: CV mean absolute percentage error of the chosen form.
        working_set_mb_: Working set used (None when unknown).
    """

    default_candidates = DURATION_FORMS

    def __init__(
        self,
        form: str = AVERAGE,
        candidates: Sequence[str] | None = None,
        n_bootstrap: int = DEFAULT_BOOTSTRAP,
        working_set_mb: float | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__(form, candidates, n_bootstrap, random_state)
        self.working_set_mb = working_set_mb

    def _working_set(self, X: object, memory: np.ndarray) -> float | None:
        if self.working_set_mb is not None:
            return float(self.working_set_mb)
        if isinstance(X, pd.DataFrame) and "max_memory_used_mb" in X.columns:
            # Runtimes grow their heap when memory allows, so the footprint at the largest
            # size overstates what the function needs; the smallest per-size median is the
            # tightest footprint actually observed.
            used = pd.Series(X["max_memory_used_mb"].to_numpy(float), index=memory).dropna()
            if len(used):
                return float(used.groupby(level=0).median().min())
        return None

    def fails(self, X: object) -> np.ndarray:
        """True where the memory size is at or below the working set: out-of-memory risk.

        Only known when the samples had ``max_memory_used_mb`` (or ``working_set_mb`` was set).
        """
        memory, _ = self._memory_and_extra(X)
        if getattr(self, "working_set_mb_", None) is None:
            return np.zeros(len(memory), dtype=bool)
        return memory <= self.working_set_mb_

