"""What one tuning is asked to do: the typed settings ``advisor tune`` builds from its options."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from advisor import limits
from advisor.errors import UsageError
from advisor.platform import aws_lambda
from advisor.sla import Sla
from advisor.tune.space import MemorySpace, SearchSpace

if TYPE_CHECKING:
    from advisor.simulate.inputs import Trace

#: Invocations a tuning may make unless told otherwise: the issue's goal per tuning.
DEFAULT_INVOCATIONS: Final = 20
#: Invocations per trial (one memory size): the model pools the spread over every size, so
#: more sizes with fewer invocations each beat fewer sizes measured longer (bench_tune.py,
#: development cases: 3 gave 6.2% mean regret against 7.0% for 4, at the same violations).
DEFAULT_PER_TRIAL: Final = 3
#: Keep-warm strategies considered unless told otherwise.
KEEP_WARM_STRATEGIES: Final = ("none", "provisioned", "schedule", "pings")
#: Samplers the engine can use (see :mod:`advisor.tune.sampler`); the first is the default.
SAMPLERS: Final = ("posterior", "tpe", "gp")


@dataclass(frozen=True)
class Budgets:
    """When to stop at the latest: the first budget reached stops the tuning.

    Attributes:
        invocations: Invocations of the function, all trials together (whole study).
        usd: What those invocations may cost (USD), priced from the catalog; None: no limit.
        timeout_s: Wall-clock seconds of this run; None: no limit.
    """

    invocations: int = DEFAULT_INVOCATIONS
    usd: float | None = None
    timeout_s: float | None = None

    def __post_init__(self) -> None:
        if self.invocations < 1:
            raise UsageError(f"--budget-invocations {self.invocations} must be at least 1.")
        if self.usd is not None and not (self.usd > 0 and math.isfinite(self.usd)):
            raise UsageError(f"--budget-usd {self.usd} must be a positive amount.")
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise UsageError(f"--timeout {self.timeout_s} must be a time above 0.")


@dataclass(frozen=True)
class Current:
    """The function's configuration today (for the saving); None fields are unknown."""

    memory_mb: int | None = None
    architecture: str | None = None


@dataclass(frozen=True)
class TuneSettings:
    """Everything a tuning needs besides the target.

    Attributes:
        function: The function's name (records, study and reports).
        sla: The latency objectives.
        space: Memory sizes and architectures to consider.
        keep_warm: Keep-warm strategies to consider (with traffic only).
        traffic: The requests the function serves (arrivals); None when unknown: the SLA is
            then over warm duration.
        payloads: ``(event, weight)`` pairs; invocations cycle through them by weight.
        budgets: The stopping budgets.
        study: The Optuna study's name (default ``tune-FUNCTION``).
        storage: An Optuna storage URL; None: the workspace's SQLite file (or memory).
        resume: Continue (or join) the study, reusing its measured trials.
        seed: Seed of every random choice (sampler, model draws).
        sampler: Which sampler proposes sizes (:data:`SAMPLERS`).
        invocations_per_trial: Invocations at each proposed size.
        region: AWS region whose prices apply.
        current: Today's configuration, when known.
    """

    function: str
    sla: Sla
    space: SearchSpace = field(default_factory=lambda: SearchSpace(MemorySpace.full()))
    keep_warm: tuple[str, ...] = KEEP_WARM_STRATEGIES
    traffic: Trace | None = None
    payloads: tuple[tuple[Any, float], ...] = (({}, 1.0),)
    budgets: Budgets = field(default_factory=Budgets)
    study: str | None = None
    storage: str | None = None
    resume: bool = False
    seed: int = 0
    sampler: str = SAMPLERS[0]
    invocations_per_trial: int = DEFAULT_PER_TRIAL
    region: str = aws_lambda.DEFAULT_REGION
    current: Current = field(default_factory=Current)

    def __post_init__(self) -> None:
        if not self.function:
            raise UsageError("the function to tune has no name.")
        if self.sampler not in SAMPLERS:
            raise UsageError(f"sampler {self.sampler!r} is unknown.", hint=f"Use one of {', '.join(SAMPLERS)}.")
        if self.invocations_per_trial < 1:
            raise UsageError(f"invocations per trial {self.invocations_per_trial} must be at least 1.")
        if not self.payloads:
            raise UsageError("no payload to invoke the function with.", hint="Give --payload FILE.")
        for _, weight in self.payloads:
            if not (weight > 0 and math.isfinite(weight)):
                raise UsageError(f"payload weight {weight} must be a positive number.")
        limits.SEED.check(self.seed, option="--seed")
        unknown = [s for s in self.keep_warm if s not in KEEP_WARM_STRATEGIES]
        if unknown:
            raise UsageError(f"--keep-warm {unknown[0]!r} is not a keep-warm strategy.",
                             hint=f"Use some of: {', '.join(KEEP_WARM_STRATEGIES)}.")

    @property
    def study_name(self) -> str:
        """The study's name: the one given, else ``tune-FUNCTION``."""
        return self.study or f"tune-{self.function}"

    @property
    def sla_basis(self) -> str:
        """What the SLA is checked over, in words."""
        if self.traffic is None:
            return "warm duration: no traffic known"
        if not self.traffic.observed:
            return f"end-to-end over {len(self.traffic)} requests drawn at {self.traffic.name}"
        return f"end-to-end over {len(self.traffic)} real requests"


def weighted_cycle(payloads: Sequence[tuple[Any, float]], count: int, start: int = 0) -> list[Any]:
    """``count`` payloads, each appearing in proportion to its weight, well interleaved.

    Smooth weighted round-robin: every step each payload gains its weight and the one with
    the most credit is sent (and pays back the total), so ``a:2, b:1`` gives ``a b a a b a``.
    ``start`` skips that many steps, so successive trials continue the same cycle.
    """
    credit = [0.0] * len(payloads)
    total = sum(w for _, w in payloads)
    out: list[Any] = []
    for step in range(start + count):
        for i, (_, weight) in enumerate(payloads):
            credit[i] += weight
        pick = max(range(len(payloads)), key=lambda i: credit[i])
        credit[pick] -= total
        if step >= start:
            out.append(payloads[pick][0])
    return out
