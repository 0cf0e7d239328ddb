"""Pricing a table of invocation records (advisor.record columns)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from advisor.errors import UsageError
from advisor.pricing import lambda_records_cost
from advisor.pricing.records import billed_column, records_cost
from advisor.record import conform

from advisor.pricing import PriceCatalog

CATALOG = PriceCatalog.bundled()

X86 = Decimal("0.0000166667")
ARM = Decimal("0.0000133334")


def _frame(**columns: list) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    base = {"function": ["f"] * size, "request_id": [f"r{i}" for i in range(size)], "status": ["success"] * size}
    return conform(pd.DataFrame({**base, **columns}))


def test_billed_duration_as_logged_never_adds_init() -> None:
    frame = _frame(duration_ms=[80.5, 80.5], billed_duration_ms=[81, 431], init_ms=[None, 350.2], memory_mb=[1024, 1024])
    assert billed_column(frame).tolist() == [81, 431]
    assert records_cost(frame, catalog=CATALOG).compute_usd == Decimal("0.512") * X86  # (81 + 431) ms x 1 GB


def test_records_without_billed_duration_bill_their_duration_rounded_up() -> None:
    frame = _frame(duration_ms=[99.01, 12.0], memory_mb=[2048, 2048])
    assert records_cost(frame, catalog=CATALOG).compute_usd == Decimal("0.224") * X86  # (100 + 12) ms x 2 GB


def test_snapstart_billed_restore_is_billed_as_duration() -> None:
    frame = _frame(duration_ms=[50.0], billed_duration_ms=[50], restore_ms=[480.0], billed_restore_ms=[120], memory_mb=[1024])
    assert records_cost(frame, catalog=CATALOG).compute_usd == Decimal("0.17") * X86


def test_history_before_december_2020_bills_in_100_ms_steps() -> None:
    ends = pd.to_datetime(["2020-11-30T12:00:00Z", "2021-03-01T12:00:00Z"], utc=True)
    frame = _frame(duration_ms=[120.3, 120.3], end_time=ends, memory_mb=[1024, 1024])
    assert records_cost(frame, catalog=CATALOG).compute_usd == Decimal("0.321") * X86  # 200 ms + 121 ms


def test_mixed_architectures_are_priced_at_their_own_rates() -> None:
    frame = _frame(duration_ms=[1000.0, 1000.0, 1000.0], billed_duration_ms=[1000, 1000, 1000],
                   memory_mb=[1024, 1024, 1024], architecture=["arm64", None, "x86_64"])
    cost = records_cost(frame, catalog=CATALOG)
    assert cost.compute_usd == ARM + 2 * X86
    assert cost.requests_usd == Decimal("0.0000006")
    assert records_cost(frame, arch="arm64", catalog=CATALOG).compute_usd == 3 * ARM


def test_the_frame_helper_agrees_with_the_array_api_and_marks_provisioned_requests() -> None:
    frame = _frame(duration_ms=[10.0, 20.0], billed_duration_ms=[10, 20], memory_mb=[512, 512])
    assert records_cost(frame, on_provisioned=[True, False], catalog=CATALOG) == lambda_records_cost(
        [10, 20], 512, on_provisioned=[True, False]
    , catalog=CATALOG)


def test_records_without_memory_need_it_given() -> None:
    frame = _frame(duration_ms=[10.0, 20.0], billed_duration_ms=[10, 20], memory_mb=[512, None])
    with pytest.raises(UsageError, match="1 of 2 records have no memory_mb"):
        records_cost(frame, catalog=CATALOG)
    assert records_cost(frame, memory_mb=512, catalog=CATALOG) == records_cost(frame.assign(memory_mb=pd.array([512, 512], dtype="Int64")), catalog=CATALOG)
