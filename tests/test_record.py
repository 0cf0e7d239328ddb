"""The invocation record contract."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor import record


def test_conform_adds_missing_optional_columns_as_null():
    frame = pd.DataFrame(
        {"function": ["f"], "request_id": ["r1"], "duration_ms": [12.5], "status": ["success"]}
    )
    out = record.conform(frame)
    assert tuple(out.columns) == record.COLUMNS
    assert out["init_ms"].isna().all()
    assert out["memory_mb"].dtype == "Int64"


def test_conform_rejects_frame_without_required_columns():
    with pytest.raises(ValueError, match="request_id"):
        record.conform(pd.DataFrame({"function": ["f"], "duration_ms": [1.0], "status": ["success"]}))


def test_json_records_render_times_as_iso_utc_and_nulls_as_none():
    frame = record.conform(
        pd.DataFrame(
            {
                "function": ["f"],
                "request_id": ["r1"],
                "end_time": [pd.Timestamp("2024-01-02T03:04:05.123Z")],
                "duration_ms": [1.5],
                "billed_duration_ms": [2],
                "status": ["success"],
            }
        )
    )
    (row,) = record.to_json_records(frame)
    assert row["end_time"] == "2024-01-02T03:04:05.123000Z"
    assert row["start_time"] is None
    assert row["billed_duration_ms"] == 2
    assert row["init_ms"] is None
    assert "function" not in row
