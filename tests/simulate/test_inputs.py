"""Replay inputs: trace files read by the one trace reader, workspace records, and their equality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.logs.azure2019 import DAY_START
from advisor.logs.importing import import_trace
from advisor.simulate import EmpiricalInit
from advisor.simulate.inputs import from_workspace, read_trace_file
from advisor.workspace import Workspace

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
    trace = read_trace_file(path)
    # requests at one instant are ordered by end, then id, as the workspace orders them
    assert (np.diff(trace.arrivals_s) >= 0).all()
    init = np.nan_to_num(trace.init_ms) if trace.init_ms is not None else np.zeros(len(trace))
    got = sorted(zip(np.round(trace.arrivals_s * 1000).astype(int), np.round(trace.service_ms * 100).astype(int),
                     np.round(init * 10).astype(int)))
    assert got == sorted((ms, dur, init or 0) for ms, dur, init in data)
    if all(init is None for _, _, init in data):
        assert trace.init_ms is None  # a CSV without init times does not say which requests were cold


def test_iso_timestamps_with_zones_are_utc(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("timestamp,duration_ms\n2024-01-01T00:00:01.250+02:00,3\n2024-01-01T00:00:00Z,12.5\n"
                    "2024-01-01 00:00:02,4\n")
    trace = read_trace_file(path)
    assert trace.arrivals_s.tolist() == [1704060001.25, 1704067200.0, 1704067202.0]
    assert trace.service_ms.tolist() == [3.0, 12.5, 4.0]
    assert trace.init_spec() == 0.0 and trace.init_spec(80.0) == 80.0


def test_observed_init_times_become_the_empirical_draw(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("timestamp,duration_ms,init_ms\n1,10,\n2,10,400\n3,10,600\n")
    spec = read_trace_file(path).init_spec()
    assert isinstance(spec, EmpiricalInit) and spec.samples_ms.tolist() == [400.0, 600.0]


def test_minute_counts_keep_every_minute_count(shared_data: Path) -> None:
    path = shared_data / "traces/azure-functions-2019-sample/100_inv.csv"
    trace = read_trace_file(path, function="074d7db5790c", seed=1)
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)
    row = table.column("HashFunction").to_pylist().index(next(
        h for h in table.column("HashFunction").to_pylist() if h.startswith("074d7db5790c")))
    counts = np.array([table.column(f"minute_{m}")[row].as_py() for m in range(1, 1441)])
    minute = (trace.arrivals_s - DAY_START.timestamp()) // 60  # the trace's day is placed at DAY_START
    spread = np.bincount(minute.astype(int), minlength=1440)
    np.testing.assert_array_equal(spread, counts)
    assert (np.diff(trace.arrivals_s) >= 0).all()
    assert len(trace) == counts.sum() == 2031


def test_errors_name_the_file_and_what_to_do(tmp_path: Path, shared_data: Path) -> None:
    with pytest.raises(NotFoundError, match="nope.csv"):
        read_trace_file(tmp_path / "nope.csv")
    odd = tmp_path / "odd.csv"
    odd.write_text("when,how_long\n1,2\n")
    with pytest.raises(InputError, match="is not a trace advisor knows"):
        read_trace_file(odd)
    empty = tmp_path / "empty.csv"
    empty.write_text("timestamp,duration_ms\n1,2\n2,\n")
    with pytest.raises(InputError, match="empty.csv:3: duration_ms is empty"):
        read_trace_file(empty)
    with pytest.raises(InputError, match="'zzz'"):
        read_trace_file(shared_data / "traces/azure-functions-2019-sample/100_inv.csv", function="zzz")
    with pytest.raises(UsageError, match="holds 100 functions; name the one to replay"):
        read_trace_file(shared_data / "traces/azure-functions-2019-sample/100_inv.csv")


@pytest.mark.parametrize(("name", "function"), [
    ("azure-functions-2019-sample/100_inv.csv", "074d7db5790c"),
    ("azure-functions-2021-sample/Azure2021_200.csv", "337cd24a7d5f"),
])
def test_a_trace_file_and_its_import_give_the_same_requests(shared_data: Path, tmp_path: Path, name: str,
                                                            function: str) -> None:
    path = shared_data / "traces" / name
    from_file = read_trace_file(path, function=function, seed=3)
    import_trace([path], seed=3, workspace=tmp_path / "ws")  # every function of the file, one rng each
    with Workspace.open(tmp_path / "ws") as ws:
        stored = next(info.name for info in ws.functions() if info.name.startswith(function))
        from_store = from_workspace(ws, stored)
    np.testing.assert_array_equal(from_file.arrivals_s, from_store.arrivals_s)
    np.testing.assert_array_equal(from_file.service_ms, from_store.service_ms)
    assert from_file.memory_mb == from_store.memory_mb
    assert from_file.init_ms is None and from_store.init_ms is None  # neither trace records cold starts


def test_moving_a_trace_to_another_memory_moves_its_init_times_too() -> None:
    from advisor.simulate.inputs import Trace, at_memory

    rng = np.random.default_rng(4)
    memory = np.repeat([512.0, 1024.0, 2048.0], 30)
    base = {512.0: 800.0, 1024.0: 400.0, 2048.0: 200.0}
    service = np.array([base[m] for m in memory]) * rng.uniform(0.97, 1.03, memory.size)
    init = np.where(np.arange(memory.size) % 5 == 0, np.array([base[m] * 3 for m in memory]), np.nan)
    trace = Trace("multi", np.arange(memory.size, dtype=float), service, init, 1024, None, memory)
    moved = at_memory(trace, 2048)
    cold_512 = np.isfinite(init) & (memory == 512)
    # durations and init times both halve twice from 512 MB to 2048 MB (the models' one path)
    assert np.median(moved.service_ms[memory == 512]) == pytest.approx(200, rel=0.15)
    assert moved.init_ms is not None
    assert np.median(moved.init_ms[cold_512]) == pytest.approx(600, rel=0.2)
    assert np.isnan(moved.init_ms[~np.isfinite(init)]).all()  # warm requests stay warm
