"""Cold-start (init) duration against memory and, when known, deployment package size."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from advisor.models._base import MemoryCurveModel

#: Forms compared by default: flat, ``a + b/m`` and a fixed part plus single-vCPU CPU work.
COLDSTART_FORMS = ("constant", "inverse", "cpu")


class ColdStartModel(MemoryCurveModel):
    """Init duration of a cold start (ms) against memory (and package size).

    X is a DataFrame with ``memory_mb`` and optionally ``package_mb`` (deployment package or
    image size in MB, which enters linearly: download and unpack time), or a 2-D array
    ``[memory_mb, package_mb]``. Forms compared by leave-one-memory-size-out CV:
    ``constant`` (init does not depend on memory), ``inverse`` (``a + b*1024/m``) and ``cpu``
    (a fixed part plus single-threaded CPU work at ``min(memory/1769, 1)`` vCPU).
    The mean, quantiles and intervals mean the same as for :class:`DurationModel`.
    """

    extra_features = ("package_mb",)
    default_candidates = COLDSTART_FORMS


#: Fewest cold starts (at two or more sizes) needed to fit a cold-start model.
MIN_COLD_STARTS = 4


@dataclass(frozen=True)
class ColdStartFit:
    """A cold-start model fitted to samples' init durations, or why none could be.

    Attributes:
        model: The fitted model; None when the samples cannot support one.
        reason: Why there is no model (None when there is one).
    """

    model: ColdStartModel | None
    reason: str | None = None


def fit_cold_starts(samples: pd.DataFrame, random_state: int = 0) -> ColdStartFit:
    """Fit a :class:`ColdStartModel` to the cold starts (``init_ms`` > 0) among ``samples``.

    It needs :data:`MIN_COLD_STARTS` cold starts at two or more memory sizes; ``package_mb``
    enters when the samples have it.

    Args:
        samples: Sample table with ``memory_mb`` and, for cold starts, ``init_ms``
            (NaN for warm requests).
        random_state: Seed of the bootstrap and the predictive draws.
    """
    if "init_ms" not in samples.columns:
        return ColdStartFit(None, "the samples have no init durations (init_ms)")
    cold = samples[(samples["init_ms"] > 0) & samples["memory_mb"].notna()]  # NaN is warm
    sizes = sorted(cold["memory_mb"].astype(int).unique())
    if len(cold) < MIN_COLD_STARTS:
        return ColdStartFit(
            None, f"{len(cold)} cold start(s) in the samples; a cold-start model needs "
            f"at least {MIN_COLD_STARTS}"
        )
    if len(sizes) < 2:
        return ColdStartFit(
            None, f"cold starts only at {sizes[0]} MB; a cold-start model needs them at two "
            "or more memory sizes"
        )
    columns = [c for c in ("memory_mb", "package_mb") if c in cold.columns]
    model = ColdStartModel(random_state=random_state).fit(cold[columns], cold["init_ms"])
    return ColdStartFit(model)
