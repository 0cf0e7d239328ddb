"""What ``advisor model fit`` and ``advisor model predict`` report, as plain data.

:func:`summarize` fits a :class:`DurationModel` (and a :class:`ColdStartModel` when the
samples hold init durations) and evaluates them at the requested memory sizes, with the cost
of one invocation from :func:`advisor.pricing.lambda_records_cost`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.models._base import DEFAULT_COVERAGE, DEFAULT_QUANTILES
from advisor.models.coldstart import ColdStartModel, fit_cold_starts
from advisor.models.duration import DurationModel
from advisor.models.forms import FORMS
from advisor.models.samples import one_architecture, require_two_sizes
from advisor.platform.aws_lambda import (
    DEFAULT_ARCH,
    DEFAULT_REGION,
    MAX_MEMORY_MB,
    MB_PER_VCPU,
    MIN_MEMORY_MB,
    billed_ms,
)
from advisor.pricing import PriceCatalog, lambda_records_cost
from advisor.units import MB_MS_PER_GB_S

#: Memory sizes shown by ``advisor model fit`` besides the measured ones.
CHART_MEMORY_MB = (MIN_MEMORY_MB, 256, 512, 1024, int(MB_PER_VCPU), 2048, 3008, 4096, 6144, 8192, MAX_MEMORY_MB)
#: Points of the dense curve drawn by ``advisor model fit``.
CURVE_POINTS = 60


@dataclass(frozen=True)
class Prediction:
    """Predicted duration of one invocation at one memory size (ms), and its cost.

    ``mean_ms``, ``p50_ms``..``p99_ms`` and ``interval_ms`` (central 90%) all come from one
    predictive distribution of one new invocation's duration (fit uncertainty + form error
    away from measured sizes + per-invocation noise), so they agree: the quantiles are ordered
    and the interval runs from the 5th to the 95th percentile.
    ``memory_load`` is working set / memory (None when unknown): above 0.5 the function may
    slow down from memory pressure that the model can only predict if it was measured.
    """

    memory_mb: int
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    interval_ms: tuple[float, float]
    gb_s: float
    cost_usd: float
    measured: bool
    fails: bool
    init_ms: float | None = None
    memory_load: float | None = None


@dataclass(frozen=True)
class MeasuredPoint:
    """Measured samples at one memory size, and the cost of an invocation of their mean."""

    memory_mb: int
    count: int
    mean_ms: float
    cost_usd: float


@dataclass(frozen=True)
class ModelSummary:
    """A fitted duration model, its evidence and its predictions.

    ``coldstart`` is None when no cold-start model could be fitted; ``coldstart_note`` says why.
    """

    model: str
    formula: str
    params: dict[str, float]
    cv_error: float
    cv: list[dict[str, Any]]
    working_set_mb: float | None
    samples: int
    measured: list[MeasuredPoint]
    predictions: list[Prediction]
    coldstart: dict[str, Any] | None = field(default=None)
    coldstart_note: str | None = None
    curve: list[tuple[int, float, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict."""
        doc = asdict(self)
        for row in doc["predictions"]:
            row["interval_ms"] = list(row["interval_ms"])
        return doc


def summarize(
    samples: pd.DataFrame,
    memory_mb: Sequence[int] | None = None,
    *,
    catalog: PriceCatalog,
    arch: str = DEFAULT_ARCH,
    region: str = DEFAULT_REGION,
    random_state: int = 0,
) -> ModelSummary:
    """Fit the duration (and cold-start) models to ``samples`` and predict at ``memory_mb``.

    Args:
        samples: Sample table (see :mod:`advisor.models.samples`); when it mixes
            architectures only the rows of ``arch`` are used.
        memory_mb: Sizes to predict; None means the chart sizes plus the measured ones.
        catalog: The prices of the command's workspace.
        arch: Architecture for pricing (``x86_64`` or ``arm64``).
        region: AWS region for pricing.
        random_state: Seed of the bootstrap and interval draws.

    Raises:
        InputError: The samples hold fewer than two memory sizes.
        UsageError: The samples mix architectures and none is ``arch``.
    """
    basis = PriceBasis(catalog, arch, region)
    samples = one_architecture(samples, arch)
    require_two_sizes(samples)
    columns = [c for c in ("memory_mb", "max_memory_used_mb") if c in samples.columns]
    try:
        model = DurationModel(random_state=random_state).fit(
            samples[columns], samples["duration_ms"]
        )
    except ValueError as exc:  # samples a parser let through but a model cannot use
        raise InputError(f"cannot fit the duration model: {exc}.") from exc
    measured = (
        samples.groupby("memory_mb")["duration_ms"].agg(["count", "mean"]).reset_index()
    )
    if memory_mb:
        sizes = list(dict.fromkeys(memory_mb))  # the caller's order, once each
    else:
        sizes = sorted(set(CHART_MEMORY_MB) | set(measured["memory_mb"].astype(int)))
    cold_starts = fit_cold_starts(samples, random_state)
    coldstart = cold_starts.model
    grid = pd.DataFrame({"memory_mb": np.asarray(sizes, dtype=float)})
    predictions = _predictions(model, coldstart, grid, set(measured["memory_mb"]), basis)
    return ModelSummary(
        model=model.form_,
        formula=FORMS[model.form_].formula,
        params=model.params_,
        cv_error=model.cv_error_,
        cv=[
            {"form": r.form, "n_params": r.n_params, "cv_mape": r.mape,
             "physical": r.physical, "errors": {str(k): v for k, v in r.errors.items()}}
            for r in model.cv_results_.values()
        ],
        working_set_mb=model.working_set_mb_,
        samples=len(samples),
        measured=[
            MeasuredPoint(
                int(r.memory_mb), int(r.count), float(r.mean),
                basis.per_invocation(float(r.mean), int(r.memory_mb)),
            )
            for r in measured.itertuples()
        ],
        predictions=predictions,
        coldstart=None if coldstart is None else {
            "model": coldstart.form_, "params": coldstart.params_, "cv_error": coldstart.cv_error_,
        },
        coldstart_note=cold_starts.reason,
        curve=_curve(model, basis),
    )


@dataclass(frozen=True)
class PriceBasis:
    """How predictions are priced: the workspace's catalog, an architecture and a region."""

    catalog: PriceCatalog
    arch: str
    region: str

    def per_invocation(self, mean_ms: float, memory_mb: int) -> float:
        """The cost of one invocation of ``mean_ms`` at ``memory_mb``, as Lambda bills it."""
        cost = lambda_records_cost(billed_ms(mean_ms), memory_mb, catalog=self.catalog, region=self.region,
                                   arch=self.arch)
        return float(cost.total_usd)


def _curve(model: DurationModel, basis: PriceBasis) -> list[tuple[int, float, float]]:
    """``(memory_mb, mean_ms, cost_usd)`` at sizes evenly spaced on a log scale."""
    sizes = np.unique(np.geomspace(MIN_MEMORY_MB, MAX_MEMORY_MB, CURVE_POINTS).round())
    means = model.predict(pd.DataFrame({"memory_mb": sizes}))
    return [
        (int(m), float(t), basis.per_invocation(float(t), int(m)))
        for m, t in zip(sizes, means, strict=True)
    ]


def _predictions(
    model: DurationModel,
    coldstart: ColdStartModel | None,
    grid: pd.DataFrame,
    measured: set[float],
    basis: PriceBasis,
) -> list[Prediction]:
    distribution = model.predict_distribution(grid)
    mean = distribution.mean()
    quantiles = distribution.quantiles(DEFAULT_QUANTILES)
    low, high = distribution.interval(DEFAULT_COVERAGE)
    fails = model.fails(grid)
    init = coldstart.predict(grid) if coldstart is not None else None
    out = []
    for i, size in enumerate(grid["memory_mb"].astype(int)):
        billed = int(billed_ms(mean[i]))
        out.append(
            Prediction(
                memory_mb=int(size),
                mean_ms=float(mean[i]),
                p50_ms=float(quantiles[i, 0]),
                p90_ms=float(quantiles[i, 1]),
                p95_ms=float(quantiles[i, 2]),
                p99_ms=float(quantiles[i, 3]),
                interval_ms=(float(low[i]), float(high[i])),
                gb_s=billed * size / MB_MS_PER_GB_S,
                cost_usd=basis.per_invocation(float(mean[i]), int(size)),
                measured=float(size) in measured,
                fails=bool(fails[i]),
                init_ms=None if init is None else float(init[i]),
                memory_load=None if model.working_set_mb_ is None
                else model.working_set_mb_ / float(size),
            )
        )
    return out
