"""Public traces and generic CSV: the documented draw rules, seeded and exact where the trace is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.errors import InputError, UsageError
from advisor.logs.traces import read_traces

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "traces" / "azure2019-543bec406831_inv.csv"


def test_azure_2019_arrivals_keep_every_minutes_count_and_stay_inside_it():
    records = read_traces([QUICKSTART]).records
    counts = pd.read_csv(QUICKSTART).filter(like="minute_").iloc[0].to_numpy()
    assert len(records) == counts.sum() == 3192
    minute = ((records.start_time - pd.Timestamp("2019-07-15", tz="UTC")).dt.total_seconds() // 60)
    assert np.array_equal(np.bincount(minute.astype(int), minlength=1440), counts)
    assert records.start_time.is_monotonic_increasing


def test_azure_2019_durations_lie_within_the_published_percentiles():
    records = read_traces([QUICKSTART]).records
    # percentile_Average_0 = 561, percentile_Average_100 = 36812 ms (azure2019-543bec406831_run.csv)
    assert records.duration_ms.min() >= 561 and records.duration_ms.max() <= 36812
    # percentiles 0/1/25/50/75/99/100 = 561/561/628/628/1426/36812/36812 ms: a quarter of the
    # draws fall below 628 ms, three quarters below 1426 ms (within sampling noise)
    assert 0.22 < (records.duration_ms < 628).mean() < 0.28
    assert 0.72 < (records.duration_ms <= 1426).mean() < 0.78
    # memory: app pct100 = 246 MB -> 256 MB size; used between pct1 (169) and pct100 (246)
    assert set(records.memory_mb) == {256}
    assert records.max_memory_used_mb.between(169, 246).all()


def test_azure_2019_draws_are_seeded():
    a = read_traces([QUICKSTART], seed=1).records
    b = read_traces([QUICKSTART], seed=1).records
    c = read_traces([QUICKSTART], seed=2).records
    pd.testing.assert_frame_equal(a, b)
    assert not a.start_time.equals(c.start_time)


def test_azure_2019_selects_a_function_by_hash_prefix(shared_data: Path):
    path = shared_data / "traces" / "azure-functions-2019-sample" / "100_inv.csv"
    result = read_traces([path], function="543bec")
    assert result.function == "543bec406831" and len(result.records) == 3192
    assert (result.lines, result.parsed, result.ignored) == (100, 1, 99)
    with pytest.raises(InputError, match="no function whose hash starts with 'zzz'"):
        read_traces([path], function="zzz")


def test_azure_2021_is_read_row_by_row(shared_data: Path):
    result = read_traces([shared_data / "traces" / "azure-functions-2021-sample" / "Azure2021_200.csv"])
    assert result.counts == {"lines": 199, "parsed": 199, "ignored": 0, "rejected": 0, "records": 199}
    first = result.records.iloc[0]
    # row 1: func e3cdb48830f6..., end_timestamp 0.07949090003967285 s, duration 0.078 s
    assert (first.function, first.request_id, first.duration_ms) == ("e3cdb48830f6", "e3cdb48830f6-2", 78.0)
    assert first.end_time == pd.Timestamp("2021-01-31T00:00:00.079490900Z")


def test_azure_llm_2023_duration_is_prefill_plus_decode():
    result = read_traces([REPO / "traces" / "azure-llm-2023-code-500.csv"])
    first = result.records.iloc[0]
    # 2023-11-16 18:17:03.9799600, 4808 context tokens, 10 generated: 0.1 * 4808 + 30 * 10 ms
    assert (first.function, first.duration_ms) == ("llm-code", 780.8)
    assert first.start_time == pd.Timestamp("2023-11-16T18:17:03.979960Z")
    assert len(result.records) == 500


def test_generic_csv_epoch_and_iso_times(tmp_path: Path):
    path = tmp_path / "calls.csv"
    path.write_text("timestamp,duration_ms,init_ms,memory_mb\n"
                    "1700000000.5,120.5,,512\n"
                    "2023-11-14T22:13:21Z,80,900.25,512\n"
                    "yesterday,10,,512\n")
    result = read_traces([path], function="my-fn")
    assert [r.reason for r in result.rejected] == ["timestamp 'yesterday' is neither epoch seconds nor ISO 8601"]
    assert result.rejected[0].line == 4
    first, second = result.records.iloc[0], result.records.iloc[1]
    assert first.start_time == pd.Timestamp("2023-11-14T22:13:20.5Z")
    assert first.end_time == pd.Timestamp("2023-11-14T22:13:20.6205Z")
    assert (second.init_ms, second.memory_mb) == (900.25, 512)
    assert second.end_time == pd.Timestamp("2023-11-14T22:13:21Z") + pd.Timedelta(milliseconds=980.25)
    assert list(result.records.request_id) == ["calls-2", "calls-3"]


@pytest.mark.filterwarnings("error")
def test_generic_csv_times_beyond_int64_ns_are_rejected_rows(tmp_path: Path):
    # 1e300 seconds once reached numpy's float-to-int64 cast (a RuntimeWarning, then NaT), and
    # 9223372037 s (just past 2262) wrapped around in int64 to a time in 1677, stored silently.
    path = tmp_path / "calls.csv"
    path.write_text("timestamp,duration_ms\n1e300,5\ninf,5\n9223372037,5\n1700000000,5\n")
    result = read_traces([path], function="my-fn")
    assert [(r.line, r.reason) for r in result.rejected] == [
        (line, f"timestamp {text!r} is neither epoch seconds nor ISO 8601")
        for line, text in ((2, "1e+300"), (3, "inf"), (4, "9223372037.0"))]
    assert list(result.records.start_time) == [pd.Timestamp("2023-11-14T22:13:20Z")]


def test_generic_csv_needs_a_function_name(tmp_path: Path):
    path = tmp_path / "calls.csv"
    path.write_text("timestamp,duration_ms\n1700000000,1\n")
    with pytest.raises(UsageError, match="Pass --function NAME"):
        read_traces([path])


def test_unknown_trace_is_refused_with_the_formats(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="azure-2019, azure-2021, azure-llm-2023, csv"):
        read_traces([path])
