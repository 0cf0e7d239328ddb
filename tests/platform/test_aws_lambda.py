"""Lambda's facts and their validators: bounds, billing rounding, vCPU share."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import UsageError
from advisor.platform import aws_lambda
from advisor.platform.aws_lambda import billed_ms, check_architecture, check_memory_mb, check_timeout_s, vcpus


@pytest.mark.parametrize("memory", [128, 1769, 10_240, 512.0])
def test_lambdas_memory_sizes_are_accepted(memory: float) -> None:
    assert check_memory_mb(memory) == int(memory)


@pytest.mark.parametrize(("memory", "problem"), [
    (127, "is outside Lambda's memory size 128-10,240 MB"), (10_241, "is outside"),
    (512.5, "is not a whole number"), (float("nan"), "is outside"), (1e23, r"1e\+23 is outside"),
])
def test_other_sizes_are_refused_with_one_message_shape(memory: float, problem: str) -> None:
    with pytest.raises(UsageError, match=problem) as refused:
        check_memory_mb(memory, option="--memory")
    assert str(refused.value).endswith("Give a whole number from 128 to 10,240 (MB).")


def test_architectures_and_timeouts() -> None:
    assert check_architecture("arm64") == "arm64"
    with pytest.raises(UsageError, match="'sparc' is not a Lambda architecture"):
        check_architecture("sparc")
    assert check_timeout_s(900) == 900.0
    with pytest.raises(UsageError, match="--timeout 901 is outside"):
        check_timeout_s(901)
    assert aws_lambda.architecture_of("aarch64") == "arm64" and aws_lambda.architecture_of("x86_64") == "x86_64"


def test_one_vcpu_at_1769_mb_in_proportion_and_six_at_most() -> None:
    np.testing.assert_allclose(vcpus([1769, 3538, 10_240, 128, 12_000]), [1.0, 2.0, 10_240 / 1769, 128 / 1769, 6.0])


@given(st.floats(0, 1e7, allow_nan=False))
def test_billed_time_is_the_duration_rounded_up_to_the_ms_and_at_least_one(duration: float) -> None:
    billed = int(billed_ms(duration))
    assert billed >= max(duration - 1e-6, 1) and billed - duration <= 1
    assert billed == max(1, int(np.ceil(round(duration, 6))))


def test_float_noise_does_not_bill_an_extra_ms_and_legacy_bills_100_ms_steps() -> None:
    assert int(billed_ms(36.812 * 1000)) == 36_812  # 36812.000000000007 in a float
    assert billed_ms([1, 101, 0], legacy=True).tolist() == [100, 200, 100]
    assert aws_lambda.legacy_billing(datetime(2020, 11, 30, tzinfo=timezone.utc))
    assert not aws_lambda.legacy_billing(datetime(2020, 12, 1))
