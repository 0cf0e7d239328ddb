"""Trace readers: generic CSV (epoch and ISO 8601), Azure per-minute counts, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import InputError, NotFoundError
from advisor.simulate import EmpiricalInit
from advisor.simulate.inputs import read_trace

rows = st.lists(
    st.tuples(st.integers(1_600_000_000_000, 1_800_000_000_000), st.integers(0, 10**7), st.one_of(st.none(), st.integers(0, 10**5))),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60)
@given(rows)
def test_generic_csv_reads_back_what_was_written(tmp_path_factory, data) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    lines = ["timestamp,duration_ms,init_ms"]
    lines += [f"{ms / 1000:.3f},{dur / 100:.2f},{'' if init is None else init / 10}" for ms, dur, init in data]
    path.write_text("\n".join(lines) + "\n")
    trace = read_trace(path)
    order = np.argsort([ms for ms, _, _ in data], kind="stable")
    np.testing.assert_allclose(trace.arrivals_s, np.array([data[i][0] / 1000 for i in order]), rtol=0, atol=1e-6)
    np.testing.assert_allclose(trace.service_ms, [data[i][1] / 100 for i in order])
    expected_init = [np.nan if data[i][2] is None else data[i][2] / 10 for i in order]
    np.testing.assert_allclose(trace.init_ms, expected_init)


def test_iso_timestamps_with_zones_are_utc(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("timestamp,duration_ms\n2024-01-01T00:00:01.250+02:00,3\n2024-01-01T00:00:00Z,12.5\n"
                    "2024-01-01 00:00:02,4\n")
    trace = read_trace(path)
    assert trace.arrivals_s.tolist() == [1704060001.25, 1704067200.0, 1704067202.0]
    assert trace.service_ms.tolist() == [3.0, 12.5, 4.0]
    assert trace.init_spec() == 0.0 and trace.init_spec(80.0) == 80.0


def test_observed_init_times_become_the_empirical_draw(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("timestamp,duration_ms,init_ms\n1,10,\n2,10,400\n3,10,600\n")
    spec = read_trace(path).init_spec()
    assert isinstance(spec, EmpiricalInit) and spec.samples_ms.tolist() == [400.0, 600.0]


def test_minute_counts_keep_every_minute_count(shared_data: Path) -> None:
    path = shared_data / "traces/azure-functions-2019-sample/100_inv.csv"
    trace = read_trace(path, function="074d7db5790c", seed=1)
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)
    row = table.column("HashFunction").to_pylist().index(next(
        h for h in table.column("HashFunction").to_pylist() if h.startswith("074d7db5790c")))
    counts = np.array([table.column(f"minute_{m}")[row].as_py() for m in range(1, 1441)])
    spread = np.bincount((trace.arrivals_s // 60).astype(int), minlength=1440)
    np.testing.assert_array_equal(spread, counts)
    assert (np.diff(trace.arrivals_s) >= 0).all()
    assert len(trace) == counts.sum() == 2031


def test_errors_name_the_file_and_what_to_do(tmp_path: Path, shared_data: Path) -> None:
    with pytest.raises(NotFoundError, match="nope.csv"):
        read_trace(tmp_path / "nope.csv")
    odd = tmp_path / "odd.csv"
    odd.write_text("when,how_long\n1,2\n")
    with pytest.raises(InputError, match="not a known trace format"):
        read_trace(odd)
    empty = tmp_path / "empty.csv"
    empty.write_text("timestamp,duration_ms\n1,2\n2,\n")
    with pytest.raises(InputError, match="empty.csv:3: duration_ms is empty"):
        read_trace(empty)
    with pytest.raises(NotFoundError, match="'zzz'"):
        read_trace(shared_data / "traces/azure-functions-2019-sample/100_inv.csv", function="zzz")
