"""The tuner's last step on any measurements: score each architecture, keep the answer near a
measured size, and replay a size's month.

``advisor tune`` runs it on its study's trials when it stops (:func:`advisor.tune.engine.tune`);
``advisor recommend`` runs it on the evidence stored in the workspace, without invoking anything
(:mod:`advisor.recommend`). One function each, so both give the same answer on the same
measurements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from advisor.tune.measure import Measurement
from advisor.tune.month import Month, months
from advisor.tune.scoring import InvocationPrice, Scores, score
from advisor.tune.stopping import CONFIRMED_OCTAVES

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.simulate.inputs import Trace
    from advisor.sla import Sla


def score_architectures(found: Sequence[Measurement], *, architectures: Sequence[str], grid: np.ndarray, sla: Sla,
                        prices: Mapping[str, InvocationPrice], seed: int) -> dict[str, Scores | None]:
    """Each architecture's scores (:func:`advisor.tune.scoring.score`) from its measurements; None
    where fewer than two sizes ran successfully."""
    return {arch: score([m for m in found if m.architecture == arch], grid=grid, sla=sla, price=prices[arch],
                        architecture=arch, seed=seed)
            for arch in architectures}


def final_scores(found: Sequence[Measurement], *, architectures: Sequence[str], grid: np.ndarray, sla: Sla,
                 prices: Mapping[str, InvocationPrice], seed: int) -> dict[str, Scores | None]:
    """The scores an answer is given from: each architecture's pick is confirmed by a measurement
    near it when one can be (between measured sizes the model's interval rests on its form alone)."""
    scored = score_architectures(found, architectures=architectures, grid=grid, sla=sla, prices=prices, seed=seed)
    return {arch: None if s is None else s.confined(CONFIRMED_OCTAVES) for arch, s in scored.items()}


def recommended(scores: Mapping[str, Scores | None]) -> Scores | None:
    """The architecture whose recommendation is cheapest (feasible ones first)."""
    fitted = [s for s in scores.values() if s is not None]
    if not fitted:
        return None
    return min(fitted, key=lambda s: (not s.best_feasible, float(s.cost_usd[s.best])))


def month_at(scores: Scores, found: Sequence[Measurement], memory_mb: int, *, trace: Trace, sla: Sla,
             strategies: Sequence[str], catalog: PriceCatalog, region: str, seed: int) -> Month | None:
    """The month of ``memory_mb`` at its cheapest setting of ``strategies``, from the model of
    ``scores``; None when the size is not one of its grid."""
    hit = np.flatnonzero(scores.memory_mb == memory_mb)
    if not len(hit):
        return None
    at = replace(scores, best=int(hit[0]), feasible=np.zeros_like(scores.feasible))
    own = [m for m in found if m.architecture == scores.architecture]
    found_months = months(at, own, trace=trace, sla=sla, strategies=strategies, catalog=catalog, region=region,
                          seed=seed)
    return found_months[0] if found_months else None

