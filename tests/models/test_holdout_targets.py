"""Issue 5 targets on real Lambda measurements (same code as bench/bench_models.py).

Fit on 256, 1024 and 2048 MB; predict the other 13 sizes of each runtime/architecture of the
mbwilding S3 benchmark. Targets: MAPE of the mean <= 10%, coverage of the 90% interval
within [80%, 97%].
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from advisor.models import DurationModel
from advisor.models.evaluation import HoldoutResult, evaluate_holdout, load_mbwilding

TRAIN_MB = (256, 1024, 2048)
MAX_MAPE = 10.0
COVERAGE_RANGE = (0.80, 0.97)
GROUPS = [(rt, arch) for rt in ("dotnet6", "nodejs18x", "python311", "rust")
          for arch in ("arm64", "x86_64")]
#: Other training sets the coverage target is also checked on, so that the interval model is
#: not tuned to one choice of sizes (the tuner picks sizes as it goes).
OTHER_TRAIN_MB = [(512, 1280, 2048), (256, 768, 1536)]
CSV = "lambda-measurements/mbwilding-s3-benchmark/lambda_benchmark_results.csv"


def _group(shared: Path, runtime: str, arch: str) -> pd.DataFrame:
    samples = load_mbwilding(shared / CSV)
    return samples[(samples["runtime"] == runtime) & (samples["arch"] == arch)]


@cache
def _result(shared: Path, runtime: str, arch: str) -> HoldoutResult:
    return evaluate_holdout(_group(shared, runtime, arch), TRAIN_MB)


@pytest.mark.parametrize(("runtime", "arch"), GROUPS)
def test_mean_duration_error_at_unmeasured_sizes_is_at_most_ten_percent(
    shared_data: Path, runtime: str, arch: str
) -> None:
    result = _result(shared_data, runtime, arch)
    assert len(result.per_size) == 13
    assert result.mape <= MAX_MAPE


@pytest.mark.parametrize(("runtime", "arch"), GROUPS)
def test_ninety_percent_intervals_cover_between_80_and_97_percent(
    shared_data: Path, runtime: str, arch: str
) -> None:
    low, high = COVERAGE_RANGE
    assert low <= _result(shared_data, runtime, arch).coverage <= high


@pytest.mark.parametrize("train_mb", OTHER_TRAIN_MB)
@pytest.mark.parametrize(("runtime", "arch"), GROUPS)
def test_coverage_target_also_holds_for_other_training_sizes(
    shared_data: Path, runtime: str, arch: str, train_mb: tuple[int, ...]
) -> None:
    low, high = COVERAGE_RANGE
    assert low <= evaluate_holdout(_group(shared_data, runtime, arch), train_mb).coverage <= high


#: Training sets that start at 256 or 512 MB, where the exponential form once extrapolated
#: to 6.6e6 ms below the smallest size (MAPE 89,760% for dotnet6/x86_64 on 512-2048 MB).
HIGH_START_TRAIN_MB = [(512, 1280, 2048), (256, 768, 1280, 1664, 2048)]


@pytest.mark.parametrize("train_mb", HIGH_START_TRAIN_MB)
@pytest.mark.parametrize(("runtime", "arch"), GROUPS)
def test_mean_error_is_at_most_ten_percent_when_trained_from_256_or_512_mb(
    shared_data: Path, runtime: str, arch: str, train_mb: tuple[int, ...]
) -> None:
    result = evaluate_holdout(_group(shared_data, runtime, arch), train_mb,
                              model=DurationModel(n_bootstrap=10))
    assert len(result.per_size) == 16 - len(train_mb)
    assert result.mape <= MAX_MAPE


def test_coverage_pooled_over_all_runtimes_is_within_target(shared_data: Path) -> None:
    coverages = [_result(shared_data, *g).coverage for g in GROUPS]
    low, high = COVERAGE_RANGE
    assert low <= sum(coverages) / len(coverages) <= high
