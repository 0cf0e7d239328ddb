"""The latency SLA users write (``--sla p95=2s`` or ``p50=300ms,p99=2s``) and the rule that checks it.

An SLA is one or more objectives ``pXX=T``: the XXth percentile of end-to-end latency over
all requests is at most T. Requests that were throttled count as violations (infinitely
slow), as DESIGN.md's replay semantics say. T uses the one duration syntax of
:mod:`advisor.units` and must carry its unit (``2s``, ``300ms``), so ``p95=2`` is never
ambiguous.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from advisor.errors import UsageError
from advisor.units import MS_PER_S, parse_duration

OPTION: Final = "--sla"
EXAMPLE: Final = "p95=2s or p50=300ms,p99=2s"
_OBJECTIVE = re.compile(r"^p(\d{1,3}(?:\.\d+)?)=(.+)$")


@dataclass(frozen=True)
class Objective:
    """One ``pXX=T``: the ``percentile``-th latency is at most ``limit_ms``."""

    percentile: float
    limit_ms: float

    def met_by(self, latency_ms: ArrayLike) -> bool:
        """Whether the objective holds over ``latency_ms`` (NaN or inf: a violation)."""
        observed = self.observed(latency_ms)
        return observed is None or observed <= self.limit_ms

    def observed(self, latency_ms: ArrayLike) -> float | None:
        """The percentile this objective checks, over ``latency_ms`` (NaN counts as inf; ``None``
        without any request)."""
        values = np.asarray(latency_ms, dtype=np.float64)
        if values.size == 0:
            return None
        values = np.where(np.isnan(values), np.inf, values)
        return float(np.percentile(values, self.percentile, method="higher"))

    def __str__(self) -> str:
        limit = f"{self.limit_ms:g}ms" if self.limit_ms < MS_PER_S else f"{self.limit_ms / MS_PER_S:g}s"
        return f"p{self.percentile:g}={limit}"


@dataclass(frozen=True)
class Sla:
    """One or more latency objectives, all of which must hold."""

    objectives: tuple[Objective, ...]

    @classmethod
    def parse(cls, text: str, *, option: str = OPTION) -> Sla:
        """Read ``p95=2s`` or ``p50=300ms,p99=2s``.

        Raises:
            UsageError: naming the part that is not ``pXX=T``, a percentile outside (0, 100),
                a limit without a unit, or the same percentile twice.
        """
        objectives: list[Objective] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            match = _OBJECTIVE.match(part.lower())
            if match is None:
                raise UsageError(f"{option} part {part!r} is not pXX=T.", hint=f"Write e.g. {EXAMPLE}.")
            percentile = float(match.group(1))
            if not 0 < percentile < 100:
                raise UsageError(f"{option} percentile p{match.group(1)} must be above p0 and below p100.",
                                 hint=f"Write e.g. {EXAMPLE}.")
            limit = match.group(2).strip()
            seconds = parse_duration(limit, option=f"{option} {part}", default_unit=None)
            if seconds <= 0 or math.isinf(seconds):
                raise UsageError(f"{option} limit of {part!r} must be a time above 0.", hint=f"Write e.g. {EXAMPLE}.")
            if any(o.percentile == percentile for o in objectives):
                raise UsageError(f"{option} gives p{percentile:g} twice.", hint="Give each percentile once.")
            objectives.append(Objective(percentile, seconds * MS_PER_S))
        if not objectives:
            raise UsageError(f"{option} {text!r} holds no objective.", hint=f"Write e.g. {EXAMPLE}.")
        return cls(tuple(sorted(objectives, key=lambda o: o.percentile)))

    def met_by(self, latency_ms: ArrayLike) -> bool:
        """Whether every objective holds over ``latency_ms`` (NaN or inf: throttled, a violation)."""
        return all(objective.met_by(latency_ms) for objective in self.objectives)

    def __str__(self) -> str:
        return ",".join(str(o) for o in self.objectives)
