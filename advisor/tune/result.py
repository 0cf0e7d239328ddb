"""What a tuning found: the recommendation, its evidence and what the tuning spent.

:meth:`TuneResult.to_dict` is the documented JSON object of ``advisor tune --json``
(docs/tune.md); a figure the tuning could not know is null, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from advisor.tune.measure import Measurement
from advisor.tune.month import Month
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
        month: With traffic, the recommendation's month at its cheapest keep-warm setting.
        months: With traffic, every candidate's month (the curve's monthly costs).
        current_month: With traffic and today's size known, today's month (no keep-warm).
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
    month: Month | None = None
    months: tuple[Month, ...] = ()
    current_month: Month | None = None

    @property
    def memory_mb(self) -> int | None:
        """The recommended memory size (None when nothing could be recommended)."""
        if self.month is not None:
            return self.month.memory_mb
        return None if self.best is None else self.best.best_memory_mb

    @property
    def architecture(self) -> str | None:
        """The recommended architecture."""
        if self.month is not None:
            return self.month.architecture
        return None if self.best is None else self.best.architecture

    @property
    def feasible(self) -> bool:
        """Whether the recommendation meets the SLA at the upper end of its interval."""
        if self.month is not None:
            return self.month.choice.feasible
        return self.best is not None and self.best.best_feasible

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``advisor tune --json`` (see docs/tune.md)."""
        best = self.best
        recommendation = None
        predicted: dict[str, Any] = {"latency_ms": None, "cold_start_fraction": None}
        per_invocation = None
        if best is not None:
            i = _index(best, self.memory_mb) if self.month is not None else best.best
            recommendation = {"memory_mb": self.memory_mb, "architecture": self.architecture,
                              "keep_warm": self.keep_warm, "feasible": self.feasible,
                              "p_sla_met": best.p_feasible if self.month is None else None}
            predicted["latency_ms"] = _latency(best, i)
            predicted["mean_ms"] = _triple(best.mean_ms[i], best.mean_low_ms[i], best.mean_high_ms[i])
            per_invocation = float(best.cost_usd[i])
        monthly = None
        saving = None
        if self.month is not None:
            choice = self.month.choice
            recommendation = dict(recommendation or {}, keep_warm=choice.keep_warm.to_dict())
            predicted["latency_ms"] = _replayed(choice)
            predicted["cold_start_fraction"] = choice.cold_start_fraction
            monthly = {"total": choice.monthly_cost_usd, "breakdown": dict(choice.breakdown)}
            if self.current_month is not None:
                saving = self.current_month.choice.monthly_cost_usd - choice.monthly_cost_usd
        return {
            "function": self.function,
            "sla": self.sla,
            "sla_basis": self.sla_basis,
            "recommendation": recommendation,
            "predicted": predicted,
            "monthly_cost_usd": monthly,
            "cost_per_million_usd": None if per_invocation is None else per_invocation * PER_MILLION,
            "current": self._current(),
            "saving_usd": saving,
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
        if self.current_month is not None:
            choice = self.current_month.choice
            out.update(keep_warm=choice.keep_warm.to_dict(), latency_ms=_replayed(choice),
                       monthly_cost_usd={"total": choice.monthly_cost_usd, "breakdown": dict(choice.breakdown)})
        return out

    def _curve(self) -> list[dict[str, Any]]:
        """Per architecture, the predicted curve every :data:`CURVE_STEP_MB` MB."""
        points = []
        measured = {(t.architecture, t.memory_mb) for t in self.trials}
        monthly = {(m.architecture, m.memory_mb): m.choice for m in self.months}
        for arch, scores in self.scores.items():
            if scores is None:
                continue
            memory = scores.memory_mb
            keep = (memory % CURVE_STEP_MB == 0) | (memory == memory[0]) | (memory == memory[-1])
            keep |= np.isin(memory, [m for a, m in measured if a == arch])
            keep[scores.best] = True
            keep |= np.isin(memory, [m for a, m in monthly if a == arch])
            p95 = scores.percentile_ms.get(95.0)
            for i in np.flatnonzero(keep):
                points.append({
                    "memory_mb": int(memory[i]), "architecture": arch,
                    "mean_ms": float(scores.mean_ms[i]), "low_ms": float(scores.mean_low_ms[i]),
                    "high_ms": float(scores.mean_high_ms[i]),
                    "p95_ms": None if p95 is None else float(p95[0][i]),
                    "cost_per_million_usd": float(scores.cost_usd[i]) * PER_MILLION,
                    "monthly_cost_usd": _month_total(monthly.get((arch, int(memory[i])))),
                    "feasible": bool(scores.feasible[i]),
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


def _index(scores: Scores, memory_mb: int | None) -> int:
    hit = np.flatnonzero(scores.memory_mb == memory_mb)
    return int(hit[0]) if len(hit) else scores.best


def _replayed(choice: Any) -> dict[str, dict[str, float | None] | None]:
    """``{p50: {value, low, high}}`` of a replay: central value, pessimistic high, low unknown."""
    out: dict[str, dict[str, float | None] | None] = {}
    for p in REPORTED_PERCENTILES:
        key = f"p{p:g}"
        value = choice.latency_ms.get(key)
        out[key] = None if value is None else {"value": value, "low": None,
                                               "high": choice.latency_upper_ms.get(key)}
    return out


def _month_total(choice: Any) -> float | None:
    return None if choice is None else float(choice.monthly_cost_usd)
