"""The tuner's traffic: imported invocations (not tuning records), a trace file, or a steady rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from advisor.errors import NotFoundError, UsageError
from advisor.record import conform
from advisor.simulate.inputs import read_trace_file
from advisor.tune.traffic import RATE_PERIOD_S, TrafficSource
from advisor.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
AZURE_2019 = REPO / "traces" / "azure2019-543bec406831_inv.csv"
AZURE_2021 = REPO / "traces" / "azure2021-200.csv"
COUNTS = {"lines": 1, "parsed": 1, "ignored": 0, "rejected": 0}


def _records(ids: list[str], minute: int) -> object:
    import pandas as pd

    end = pd.to_datetime([f"2026-01-01T00:{minute + i:02d}:00Z" for i in range(len(ids))], utc=True)
    return conform(pd.DataFrame({"function": "f", "request_id": ids, "start_time": end, "end_time": end,
                                 "duration_ms": 100.0, "memory_mb": 1024, "status": "success"}))


def test_the_default_is_the_functions_imported_invocations_without_tuning_records(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.import_records(_records(["a", "b", "c"], 0), source="x.log", format="text", **COUNTS)
        ws.import_records(_records(["m1", "m2"], 10), source="tune", format="tuning", tuning=True, **COUNTS)
        trace = TrafficSource().load("f", workspace=ws)
    assert trace is not None and len(trace) == 3
    assert np.all(np.diff(trace.arrivals_s) == 60.0)


def test_no_known_traffic_is_none(tmp_path: Path) -> None:
    assert TrafficSource().load("f", workspace=None) is None
    with Workspace.open(tmp_path) as ws:
        assert TrafficSource().load("unknown", workspace=ws) is None
        ws.import_records(_records(["m1", "m2"], 10), source="tune", format="tuning", tuning=True, **COUNTS)
        assert TrafficSource().load("f", workspace=ws) is None  # measurements only: no traffic


def test_a_trace_file_is_read_as_advisor_replay_reads_it() -> None:
    trace = TrafficSource.from_options(trace=AZURE_2019).load("f", seed=4)
    assert trace is not None
    expected = read_trace_file(AZURE_2019, seed=4)
    assert np.array_equal(trace.arrivals_s, expected.arrivals_s)
    assert trace.name == expected.name


def test_a_trace_file_of_several_functions_needs_one_named() -> None:
    with pytest.raises(UsageError, match="holds 31 functions"):
        TrafficSource.from_options(trace=AZURE_2021).load("f")
    one = TrafficSource.from_options(trace=AZURE_2021, trace_function="556ccf8758c8").load("f")
    assert one is not None and len(one) == 32


def test_a_missing_trace_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"nothing\.csv"):
        TrafficSource.from_options(trace=tmp_path / "nothing.csv").load("f")


def test_a_rate_is_a_day_of_poisson_arrivals_with_unknown_durations() -> None:
    source = TrafficSource.from_options(rate="2/min")
    assert source.rate_per_s == pytest.approx(2 / 60)
    trace = source.load("f", seed=1)
    assert trace is not None
    expected = 2 / 60 * RATE_PERIOD_S
    assert abs(len(trace) - expected) < 5 * np.sqrt(expected)
    assert trace.arrivals_s[0] >= 0 and trace.arrivals_s[-1] < RATE_PERIOD_S
    assert np.all(np.diff(trace.arrivals_s) >= 0)
    assert np.isnan(trace.service_ms).all()  # the tuner draws them; a rate says nothing of them
    assert not trace.observed  # reports must not call these requests real
    gaps = np.diff(trace.arrivals_s)
    assert gaps.mean() == pytest.approx(30.0, rel=0.1) and gaps.std() == pytest.approx(30.0, rel=0.15)
    again = source.load("f", seed=1)
    assert again is not None and np.array_equal(again.arrivals_s, trace.arrivals_s)


@pytest.mark.parametrize(("options", "message"), [
    ({"rate": "5/s", "trace": Path("t.csv")}, "either --trace or --rate"),
    ({"rate": "5 per second"}, "--rate '5 per second' is not a rate"),
    ({"rate": "0/s"}, "must be a rate above 0"),
    ({"rate": "1/w"}, "fewer than 2 requests in 1d"),
    ({"rate": "10000000/s"}, "--rate"),
])
def test_bad_traffic_options_get_a_message_naming_them(options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        TrafficSource.from_options(**options)


def test_each_source_says_where_the_traffic_comes_from() -> None:
    assert TrafficSource().describe("f") == "the imported invocations of f"
    assert "5/s" in TrafficSource.from_options(rate="5/s").describe("f")
    assert "azure2019" in TrafficSource.from_options(trace=AZURE_2019).describe("f")
