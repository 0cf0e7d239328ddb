"""The dry-run plan (``advisor tune --dry-run``): what a tuning would do and what it may cost.

Nothing is invoked. The first sizes are the initial design; the cost is estimated per
invocation from the price catalog at a guessed duration: the workspace's imported invocations
of the function when it has any (their mean duration, moved to each size the dearer way: unchanged on larger
sizes, slower by the CPU share on smaller ones), else :data:`GUESSED_DURATION_MS`
at the smallest planned size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from advisor.platform import aws_lambda
from advisor.pricing import PriceCatalog
from advisor.tune.scoring import InvocationPrice
from advisor.tune.settings import TuneSettings

#: Duration assumed at the smallest first size when nothing is known of the function (ms).
GUESSED_DURATION_MS: Final = 1000.0


@dataclass(frozen=True)
class TunePlan:
    """What a tuning would do.

    Attributes:
        function: The function.
        first_sizes: ``(architecture, memory_mb)`` measured first (the initial design).
        invocations_per_trial: Invocations at each size.
        budget_invocations: The invocation budget.
        budget_usd: The USD budget, if any.
        timeout_s: The time budget, if any.
        estimated_cost_usd: Estimated cost of spending the whole invocation budget (the
            dearest case: every further trial at the dearest first size).
        duration_basis: Where the guessed duration comes from, in words.
        study: The study's name; storage: its URL (None: in memory).
    """

    function: str
    first_sizes: tuple[tuple[str, int], ...]
    invocations_per_trial: int
    budget_invocations: int
    budget_usd: float | None
    timeout_s: float | None
    estimated_cost_usd: float
    duration_basis: str
    study: str
    storage: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {"function": self.function,
                "first_sizes": [{"architecture": a, "memory_mb": m} for a, m in self.first_sizes],
                "invocations_per_trial": self.invocations_per_trial,
                "budget": {"invocations": self.budget_invocations, "usd": self.budget_usd,
                           "timeout_s": self.timeout_s},
                "estimated_cost_usd": self.estimated_cost_usd, "duration_basis": self.duration_basis,
                "study": self.study, "storage": self.storage}


def plan(settings: TuneSettings, *, catalog: PriceCatalog, known_duration_ms: float | None = None,
         known_memory_mb: int | None = None, storage: str | None = None) -> TunePlan:
    """The dry-run plan of ``settings``.

    Args:
        settings: The tuning's settings.
        catalog: The workspace's prices.
        known_duration_ms: Mean duration of the function's imported invocations, if any.
        known_memory_mb: The memory size they ran at.
        storage: The study's storage URL as the tuning would resolve it.
    """
    sizes = settings.space.memory.initial()
    first = tuple((arch, size) for arch in settings.space.architectures for size in sizes)
    if known_duration_ms is not None and known_memory_mb is not None:
        basis = f"the mean of the imported invocations ({known_duration_ms:.0f} ms at {known_memory_mb} MB)"
        at, base = known_memory_mb, known_duration_ms
    else:
        basis = f"a guess of {GUESSED_DURATION_MS:.0f} ms at {min(sizes)} MB (nothing imported)"
        at, base = min(sizes), GUESSED_DURATION_MS
    per = settings.invocations_per_trial
    costs = []
    for arch, size in first:
        price = InvocationPrice.of(catalog, settings.region, arch)
        costs.append(float(price.cost(np.array([size]), np.array([_moved(base, at, size)]))[0]))
    design = sum(c * per for c in costs)
    rest = max(settings.budgets.invocations - per * len(first), 0) * max(costs)
    total = min(design, max(costs) * settings.budgets.invocations) + rest
    return TunePlan(settings.function, first, per, settings.budgets.invocations, settings.budgets.usd,
                    settings.budgets.timeout_s, total, basis, settings.study_name, storage)


def _moved(duration_ms: float, from_mb: int, to_mb: int) -> float:
    """A duration moved between sizes, the dearer way: unchanged on a larger size (I/O-bound),
    slower by the CPU share on a smaller one (CPU-bound)."""
    if to_mb >= from_mb:
        return duration_ms
    share = float(aws_lambda.vcpus(np.array([from_mb]))[0]) / float(aws_lambda.vcpus(np.array([to_mb]))[0])
    return duration_ms * share
