"""When a tuning stops: the first budget reached, or *settled*.

Settled means the recommendation meets the SLA in at least :data:`CONFIDENT` of the model's
draws, and no candidate has a chance of :data:`SETTLED_CHANCE` or more of meeting it at a
materially lower cost (:data:`advisor.tune.scoring.MATERIAL`): more measurements could only
confirm the answer. Stopping reasons are the strings of the result's ``stopped_because``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from advisor.tune.levels import UPPER
from advisor.tune.scoring import Scores
from advisor.tune.settings import Budgets

SETTLED: Final = "settled"
BUDGET_INVOCATIONS: Final = "budget-invocations"
BUDGET_USD: Final = "budget-usd"
TIMEOUT: Final = "timeout"
INTERRUPTED: Final = "interrupted"
REASONS: Final = (SETTLED, BUDGET_INVOCATIONS, BUDGET_USD, TIMEOUT, INTERRUPTED)

#: The recommendation must meet the SLA in this share of draws: a little below the feasibility
#: level, which a feasible size meets objective by objective (several objectives together hold
#: in fewer draws); at or above it, a recommendation could never settle.
CONFIDENT: Final = UPPER - 0.05
#: No other candidate may have this chance of being feasible and materially cheaper.
SETTLED_CHANCE: Final = 0.05
#: The recommendation must lie this close (octaves) to a measured size: between measured
#: sizes the model's interval rests on its form alone, so the answer is confirmed by a
#: measurement where it is.
CONFIRMED_OCTAVES: Final = 0.15


@dataclass(frozen=True)
class Spent:
    """What the tuning has used so far.

    Attributes:
        invocations: Invocations of the whole study.
        usd: Their cost.
        elapsed_s: Wall-clock seconds of this run.
    """

    invocations: int
    usd: float
    elapsed_s: float


def settled(scores: Sequence[Scores], design_done: bool) -> bool:
    """Whether the answer is settled (see the module docstring).

    Args:
        scores: The scores of every architecture (all must have been fitted).
        design_done: Whether every architecture's initial design has been measured.
    """
    if not design_done or not scores:
        return False
    best = min(scores, key=lambda s: float(s.cost_usd[s.best]) if s.best_feasible else float("inf"))
    if not best.best_feasible or best.p_feasible < CONFIDENT or not confirmed(best):
        return False
    return all(s.max_chance() < SETTLED_CHANCE for s in scores)


def confirmed(scores: Scores) -> bool:
    """Whether a size within :data:`CONFIRMED_OCTAVES` of the recommendation was measured."""
    return bool(scores.near_measured(CONFIRMED_OCTAVES)[scores.best])


def budget_reason(budgets: Budgets, spent: Spent, next_usd: float | None) -> str | None:
    """The budget that forbids another trial, or None.

    Args:
        budgets: The budgets.
        spent: What has been used.
        next_usd: The estimated cost of the next trial (None: unknown, only the spent amount counts).
    """
    if spent.invocations >= budgets.invocations:
        return BUDGET_INVOCATIONS
    if budgets.usd is not None and spent.usd + (next_usd or 0.0) > budgets.usd:
        return BUDGET_USD
    if budgets.timeout_s is not None and spent.elapsed_s >= budgets.timeout_s:
        return TIMEOUT
    return None
