"""Every real multi-memory curve the duration model is scored on, its split, and the scoring.

Three families, each curve one function measured at several memory sizes:

- ``public``: ../shared/data/lambda-measurements/public-curves (15 curves from public
  benchmarks on real Lambda, one statistic per size). Per-invocation samples are synthesized
  around each published value: lognormal, sigma 0.1, mean-preserving, seeded by curve and
  size (:func:`synthesize`).
- ``io``: ../shared/data/lambda-measurements/mbwilding-s3-benchmark (real Lambda, I/O-bound,
  8 runtime/architectures x 16 sizes x ~10 real invocations).
- ``local``: bench/data/curves/local_ml.csv (ML inference handlers measured through the local
  target on this machine; see bench/data/curves/PROVENANCE.md), real warm invocations (a
  cold invocation's own duration runs 0.7-2x a warm one's there: first-call work such as
  lazy imports). mbwilding's invocations are nearly all cold starts (1,272 of 1,280), so
  all of them are used.

The split into development and held-out curves is fixed here, before any model change was
scored on it: whole groups (one source's workload, all its runtimes or architectures
together, so that a held-out curve has no sibling in development) are held out, a seeded
random :data:`HELD_OUT_SHARE` of each family's groups (:func:`split`, seed :data:`SPLIT_SEED`).
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from advisor.models._base import MemoryCurveModel
from advisor.platform.aws_lambda import MB_PER_VCPU

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ADVISOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
MEASUREMENTS = SHARED / "lambda-measurements"
PUBLIC = MEASUREMENTS / "public-curves/curves.csv"
MBWILDING = MEASUREMENTS / "mbwilding-s3-benchmark/lambda_benchmark_results.csv"
LOCAL = ROOT / "bench/data/curves/local_ml.csv"
FAMILIES = ("public", "io", "local")

#: Seed of the development / held-out split (issue 13), and the share of each family's
#: groups held out (rounded to the nearest whole group, at least one).
SPLIT_SEED = 13
HELD_OUT_SHARE = 0.4
#: Lognormal sigma of the synthesized per-invocation samples of the public curves.
SYNTH_SIGMA = 0.1
#: Invocations per training size (what the tuner spends per size) and, for the synthesized
#: public curves, per held-out size.
TRAIN_PER_SIZE = 5
TEST_PER_SIZE = 10
COVERAGE = 0.9


@dataclass(frozen=True)
class Curve:
    """One function's measurements.

    Attributes:
        name: Curve id (public curve id, ``runtime/arch`` or the local curve name).
        family: One of :data:`FAMILIES`.
        group: What is held out together (see :func:`split`).
        truth: Mean duration (ms) per memory size: the published statistic or the measured mean.
        samples: Per-invocation rows (``memory_mb``, ``duration_ms``, ``rep``); synthesized
            for the public curves.
    """

    name: str
    family: str
    group: str
    truth: pd.Series
    samples: pd.DataFrame


def synthesize(name: str, memory_mb: int, mean_ms: float, n: int) -> np.ndarray:
    """``n`` seeded lognormal samples (sigma :data:`SYNTH_SIGMA`) whose expectation is ``mean_ms``."""
    rng = np.random.default_rng([zlib.crc32(name.encode()), memory_mb])
    return mean_ms * np.exp(SYNTH_SIGMA * rng.standard_normal(n) - SYNTH_SIGMA**2 / 2)


def _public() -> list[Curve]:
    table = pd.read_csv(PUBLIC)
    curves = []
    for name, rows in table.groupby("curve_id", sort=True):
        truth = rows.groupby("memory_mb")["duration_ms"].mean()
        samples = pd.concat(
            pd.DataFrame({"memory_mb": m, "duration_ms": synthesize(str(name), int(m), v,
                                                                    TRAIN_PER_SIZE + TEST_PER_SIZE),
                          "rep": range(TRAIN_PER_SIZE + TEST_PER_SIZE)})
            for m, v in truth.items()
        )
        group = str(name).removesuffix("_arm64").removesuffix("_x86")
        curves.append(Curve(str(name), "public", group, truth, samples))
    return curves


def _measured(path: Path, family: str, key: Callable[[pd.DataFrame], pd.Series],
              group_of: Callable[[str], str], *, warm_only: bool = False) -> list[Curve]:
    raw = pd.read_csv(path)
    if "status" in raw.columns:
        raw = raw[raw["status"] == "success"]
    if warm_only:
        raw = raw[raw["init_duration"].isna()]
    raw = raw.assign(curve=key(raw), memory_mb=raw["memory_mb"].astype(int),
                     duration_ms=raw["duration"].astype(float))
    curves = []
    for name, rows in raw.groupby("curve", sort=True):
        samples = rows[["memory_mb", "duration_ms"]].reset_index(drop=True)
        # Invocations numbered within each size in the order measured (training takes the first).
        samples["rep"] = samples.groupby("memory_mb").cumcount()
        truth = samples.groupby("memory_mb")["duration_ms"].mean()
        curves.append(Curve(str(name), family, group_of(str(name)), truth, samples))
    return curves


def load_curves() -> list[Curve]:
    """All curves of the three families (local ones only when their CSV exists)."""
    curves = _public()
    curves += _measured(MBWILDING, "io", lambda t: t["runtime"] + "/" + t["arch"],
                        lambda name: name.split("/")[0])
    if LOCAL.exists() and LOCAL.stat().st_size > 0:
        curves += _measured(LOCAL, "local", lambda t: t["curve"],
                            lambda name: name.rsplit("_", 1)[0], warm_only=True)
    return curves


def split(curves: Sequence[Curve]) -> dict[str, str]:
    """``{group: "dev" | "held-out"}``: per family, a seeded random share of its groups held out."""
    rng = np.random.default_rng(SPLIT_SEED)
    parts: dict[str, str] = {}
    for family in FAMILIES:
        groups = sorted({c.group for c in curves if c.family == family})
        if not groups:
            continue
        held = max(1, math.floor(HELD_OUT_SHARE * len(groups) + 0.5))
        order = rng.permutation(len(groups))
        for rank, index in enumerate(order):
            parts[groups[index]] = "held-out" if rank < held else "dev"
    return parts


def snap(design: Sequence[int], sizes: Sequence[int]) -> list[int]:
    """The curve's measured sizes nearest (in log memory) to each design size, all distinct.

    A curve not measured at a design size is fitted at its nearest measured size instead;
    when two design sizes snap to one, the next nearest unused size is taken.
    """
    available = sorted(int(s) for s in sizes)
    chosen: list[int] = []
    for target in design:
        free = [s for s in available if s not in chosen]
        chosen.append(min(free, key=lambda s: (abs(math.log(s / target)), s)))
    return sorted(chosen)


@dataclass(frozen=True)
class Score:
    """One curve fitted on three sizes and scored at its others."""

    curve: Curve
    train_mb: tuple[int, ...]
    mape: float  # % error of the predicted mean, averaged over held-out sizes
    coverage: float  # share of held-out invocations inside the 90% interval
    naive_mape: float  # the same for a + b/min(m, 1769) fitted on the training means
    fit_s: float
    knee: float | None  # most likely knee (vCPU) of the averaged form


def naive_predict(train: pd.DataFrame, memory_mb: np.ndarray) -> np.ndarray:
    """``a + b/min(m, 1769)`` (a, b >= 0) fitted to the training sizes' means, relative error."""
    means = train.groupby("memory_mb")["duration_ms"].mean()
    m = means.index.to_numpy(float)

    def design(x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones_like(x), 1.0 / np.minimum(x, MB_PER_VCPU)])

    weight = 1.0 / means.to_numpy()
    coef, _ = nnls(design(m) * weight[:, None], means.to_numpy() * weight)
    return design(np.asarray(memory_mb, float)) @ coef


def score(curve: Curve, design: Sequence[int], model: Callable[[], MemoryCurveModel]) -> Score:
    """Fit ``model()`` on :data:`TRAIN_PER_SIZE` invocations at each snapped design size;
    score the predicted mean against the truth and the 90% interval against the held-out
    invocations at every other size."""
    import time

    train_mb = snap(design, curve.truth.index)
    samples = curve.samples
    at_train = samples["memory_mb"].isin(train_mb)
    train = samples[at_train & (samples["rep"] < TRAIN_PER_SIZE)]
    # Held-out sizes: every invocation (synthesized ones beyond the training reps).
    test = samples[~at_train]
    if curve.family == "public":
        test = test[test["rep"] >= TRAIN_PER_SIZE]
    start = time.perf_counter()
    fitted = model().fit(train[["memory_mb"]], train["duration_ms"])
    fit_s = time.perf_counter() - start
    sizes = np.array(sorted(set(curve.truth.index) - set(train_mb)), dtype=float)
    distribution = fitted.predict_distribution(pd.DataFrame({"memory_mb": sizes}))
    truth = curve.truth.loc[sizes.astype(int)].to_numpy()
    mape = 100.0 * float(np.mean(np.abs(distribution.mean() / truth - 1.0)))
    low, high = distribution.interval(COVERAGE)
    bounds = pd.DataFrame({"memory_mb": sizes.astype(int), "low": low, "high": high})
    joined = test.merge(bounds, on="memory_mb")
    inside = joined["duration_ms"].between(joined["low"], joined["high"])
    naive = naive_predict(train, sizes)
    naive_mape = 100.0 * float(np.mean(np.abs(naive / truth - 1.0)))
    return Score(curve, tuple(train_mb), mape, float(inside.mean()), naive_mape, fit_s,
                 getattr(fitted, "params_", {}).get("knee_vcpu"))
