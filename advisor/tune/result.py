"""What a tuning found: the recommendation, its evidence and what the tuning spent.

:meth:`TuneResult.to_dict` is the documented JSON object of ``advisor tune --json``
(docs/tune.md); a figure the tuning could not know is null, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from advisor.tune.measure import Measurement
from advisor.tune.scoring import REPORTED_PERCENTILES, Scores

#: The curve in the JSON object: one point every this many MB (plus measured sizes and the pick).
CURVE_STEP_MB: Final = 64
PER_MILLION: Final = 1_000_000


@dataclass(frozen=True)
class TuneEvent:
    """Something the live view may draw.

    Attributes:
        kind: ``trial-started``, ``trial-finished``, ``best-changed``, ``budget`` or ``stopped``.
        data: Its figures (plain JSON values).
    """

    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TrialSummary:
    """One trial as reports show it."""

    number: int | None
    memory_mb: int
    architecture: str
    invocations: int
    p50_ms: float | None
    p95_ms: float | None
    cost_usd: float
    state: str
    errors: tuple[str, ...]

    @classmethod
    def of(cls, measurement: Measurement, cost_usd: float) -> TrialSummary:
        """The summary of one measurement and what its invocations cost."""
        return cls(measurement.trial, measurement.memory_mb, measurement.architecture,
                   measurement.invocations, measurement.percentile_ms(50), measurement.percentile_ms(95),
                   cost_usd, "infeasible" if measurement.failed else "complete", tuple(measurement.errors()))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {"number": self.number, "memory_mb": self.memory_mb, "architecture": self.architecture,
                "invocations": self.invocations, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms,
                "cost_usd": self.cost_usd, "state": self.state, "errors": list(self.errors)}


@dataclass(frozen=True)
class TuneResult:
    """The outcome of :func:`advisor.tune.tune`.

    Attributes:
        function: The function tuned.
        sla: The SLA as written (``p95=2s``).
        sla_basis: What the SLA was checked over, in words.
        scores: The final scores of each architecture (None where none could be fitted).
        best: The recommended architecture's scores, or None when no model could be fitted.
        trials: Every trial of the study.
        invocations: Invocations of the study.
        cost_usd: What they cost.
        stopped_because: Which rule stopped the tuning.
        current_memory_mb, current_architecture: Today's configuration, when known.
        study: The study's name.
        sampler: The sampler used.
        keep_warm: The recommended keep-warm setting (``{"kind": "none"}`` without traffic).
        notes: Things the reader must know (why a figure is unknown).
    """

    function: str
    sla: str
    sla_basis: str
    scores: dict[str, Scores | None]
    best: Scores | None
    trials: tuple[TrialSummary, ...]
    invocations: int
    cost_usd: float
    stopped_because: str
    current_memory_mb: int | None = None
    current_architecture: str | None = None
    study: str = ""
    sampler: str = ""
    keep_warm: dict[str, Any] = field(default_factory=lambda: {"kind": "none"})
    notes: tuple[str, ...] = ()

    @property
    def memory_mb(self) -> int | None:
        """The recommended memory size (None when nothing could be recommended)."""
        return None if self.best is None else self.best.best_memory_mb

    @property
    def architecture(self) -> str | None:
        """The recommended architecture."""
        return None if self.best is None else self.best.architecture

    @property
    def feasible(self) -> bool:
        """Whether the recommendation meets the SLA at the upper end of its interval."""
        return self.best is not None and self.best.best_feasible

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``advisor tune --json`` (see docs/tune.md)."""
        best = self.best
        recommendation = None
        predicted: dict[str, Any] = {"latency_ms": None, "cold_start_fraction": None}
        per_invocation = None
        if best is not None:
            i = best.best
            recommendation = {"memory_mb": best.best_memory_mb, "architecture": best.architecture,
                              "keep_warm": self.keep_warm, "feasible": best.best_feasible,
                              "p_sla_met": best.p_feasible}
            predicted["latency_ms"] = _latency(best, i)
            predicted["mean_ms"] = _triple(best.mean_ms[i], best.mean_low_ms[i], best.mean_high_ms[i])
            per_invocation = float(best.cost_usd[i])
        return {
            "function": self.function,
            "sla": self.sla,
            "sla_basis": self.sla_basis,
            "recommendation": recommendation,
            "predicted": predicted,
            "monthly_cost_usd": None,
            "cost_per_million_usd": None if per_invocation is None else per_invocation * PER_MILLION,
            "current": self._current(),
            "saving_usd": None,
            "tuning": {"invocations": self.invocations, "cost_usd": self.cost_usd, "study": self.study,
                       "sampler": self.sampler, "trials": [t.to_dict() for t in self.trials]},
            "curve": self._curve(),
            "stopped_because": self.stopped_because,
            "notes": list(self.notes),
        }

    def _current(self) -> dict[str, Any] | None:
        """Today's configuration with its predicted figures; None when unknown."""
        if self.current_memory_mb is None:
            return None
        arch = self.current_architecture or (self.best.architecture if self.best else None)
        scores = self.scores.get(arch) if arch else None
        out: dict[str, Any] = {"memory_mb": self.current_memory_mb, "architecture": arch,
                               "keep_warm": None, "monthly_cost_usd": None, "latency_ms": None,
                               "cost_per_million_usd": None}
        if scores is not None:
            hit = np.flatnonzero(scores.memory_mb == self.current_memory_mb)
            if len(hit):
                i = int(hit[0])
                out["latency_ms"] = _latency(scores, i)
                out["cost_per_million_usd"] = float(scores.cost_usd[i]) * PER_MILLION
        return out

    def _curve(self) -> list[dict[str, Any]]:
        """Per architecture, the predicted curve every :data:`CURVE_STEP_MB` MB."""
        points = []
        measured = {(t.architecture, t.memory_mb) for t in self.trials}
        for arch, scores in self.scores.items():
            if scores is None:
                continue
            memory = scores.memory_mb
            keep = (memory % CURVE_STEP_MB == 0) | (memory == memory[0]) | (memory == memory[-1])
            keep |= np.isin(memory, [m for a, m in measured if a == arch])
            keep[scores.best] = True
            p95 = scores.percentile_ms.get(95.0)
            for i in np.flatnonzero(keep):
                points.append({
                    "memory_mb": int(memory[i]), "architecture": arch,
                    "mean_ms": float(scores.mean_ms[i]), "low_ms": float(scores.mean_low_ms[i]),
                    "high_ms": float(scores.mean_high_ms[i]),
                    "p95_ms": None if p95 is None else float(p95[0][i]),
                    "cost_per_million_usd": float(scores.cost_usd[i]) * PER_MILLION,
                    "monthly_cost_usd": None, "feasible": bool(scores.feasible[i]),
                    "measured": (arch, int(memory[i])) in measured,
                })
        return points


def _triple(value: float, low: float, high: float) -> dict[str, float]:
    return {"value": float(value), "low": float(low), "high": float(high)}


def _latency(scores: Scores, i: int) -> dict[str, dict[str, float] | None]:
    """``{p50: {value, low, high}, ...}``: a percentile the SLA did not name is read off the
    mean and the spread the same way (see :mod:`advisor.tune.scoring`)."""
    out: dict[str, dict[str, float] | None] = {}
    for p in REPORTED_PERCENTILES:
        found = scores.percentile_ms.get(p)
        out[f"p{p:g}"] = None if found is None else _triple(found[0][i], found[1][i], found[2][i])
    return out
