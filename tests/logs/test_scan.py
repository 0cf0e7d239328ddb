"""The C parser (advisor/logs/_scan.c): the SQL fast path's records, or a refusal naming the line."""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisor.logs import _scan, fast
from advisor.logs.fast import open_report_file, record_select, scan_select
from advisor.logs.report import EMULATOR_MEMORY_MB

from ._reports import CANONICAL_LINES, edits, log_lines, mutate
from ._samples import SAMPLES

REPO = Path(__file__).resolve().parents[2]
RID = "0b6f6e2c-1a52-4a5e-9d1b-6f0e8d1b2c3a"
LINE = ("2026-01-05T00:00:00.077Z REPORT RequestId: {rid}\tDuration: 50.44 ms\tBilled Duration: 51 ms"
        "\tMemory Size: 1024 MB\tMax Memory Used: 218 MB\t")


def _generator():
    spec = importlib.util.spec_from_file_location("gen_logs", REPO / "bench" / "gen_logs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scanned(path: Path, *, threads: int = 1, store_order: bool = True, **options) -> _scan.ReportScan:
    """The C parser run through ``path`` (its records dropped), to read what it found."""
    scan = _scan.ReportScan(str(path), threads=threads, store_order=store_order, **options)
    scan.drain()
    return scan


#: One in-memory DuckDB for every comparison (a connection costs more than a small file).
CON = duckdb.connect()


def c_rows(path: Path, *, threads: int = 1, store_order: bool = True,
           **options) -> tuple[list[tuple], _scan.ReportScan]:
    """The C parser's records of ``path`` as DuckDB reads them, and the scan (read through)."""
    scan = _scan.ReportScan(str(path), threads=threads, store_order=store_order, **options)
    CON.register("scan", scan)
    try:
        return CON.sql(scan_select("scan")).fetchall(), scan
    finally:
        CON.unregister("scan")


def sql_rows(path: Path, *, store_order: bool = True) -> list[tuple] | None:
    """The SQL fast path's records (None when it declines the file)."""
    source = open_report_file(path)
    if source is None:
        return None
    order = " ORDER BY end_time, request_id" if store_order else ""
    try:
        return CON.sql(record_select(source) + order).fetchall()
    except duckdb.Error:
        return None


def assert_subset_of_sql(path: Path) -> bool:
    """The C parser declines ``path`` or gives the SQL path's rows, in both orders; True if taken.

    Files the fast paths never open (empty, binary) are not compared.
    """
    if open_report_file(path) is None:
        return False
    try:
        scan = scanned(path)
    except ValueError:
        return False
    expected = sql_rows(path)
    assert expected is not None, "the C parser took a file the SQL fast path declines"
    assert c_rows(path, store_order=False)[0] == sql_rows(path, store_order=False)
    rows = c_rows(path)[0]
    if scan.duplicates:
        # Rows with one request id and end time tie in both orders (and the bulk path leaves
        # such files to the general path): the same rows, in some order.
        assert sorted(rows, key=repr) == sorted(expected, key=repr)
    else:
        assert rows == expected
    assert scan.records == len(expected)
    assert scan.duplicates == (len({row[0] for row in expected}) < len(expected))
    return True


def write(path: Path, lines: list[str], *, newline_at_end: bool = True) -> Path:
    path.write_text("\n".join(lines) + ("\n" if newline_at_end else ""))
    return path


def test_the_extension_is_built_from_the_current_rules():
    assert _scan.VERSION == fast.SCAN_VERSION
    assert fast._scan_module() is _scan
    assert _scan.EMULATOR_MEMORY_MB == EMULATOR_MEMORY_MB


def test_generated_log_gives_the_sql_paths_records_in_store_order(tmp_path: Path):
    path = tmp_path / "gen.log"
    total = _generator().generate(path, 20_000, seed=11)
    assert assert_subset_of_sql(path)
    scan = scanned(path)
    assert scan.lines == total
    assert scan.progress == 1.0 and scan.exported == 1.0
    assert not scan.duplicates and not scan.emulator


def test_every_real_sample_is_parsed_as_by_the_sql_path_or_declined(tmp_path: Path):
    with SAMPLES.open() as handle:
        rows = [json.loads(line) for line in handle]
    taken = []
    for row in rows:
        path = tmp_path / f"{row['id']}.log"
        path.write_text(row["text"])
        if assert_subset_of_sql(path):
            taken.append(row["id"])
    assert {"S020", "S126", "S129", "S223"} <= set(taken)


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_any_number_of_threads_gives_the_same_records_and_lines(tmp_path: Path, threads: int):
    path = tmp_path / "gen.log"
    total = _generator().generate(path, 60_000, seed=12)  # over 1 MB a thread: really split
    with path.open("a") as out:
        out.write(LINE.format(rid="last-line-without-newline"))
    one_rows, one = c_rows(path)
    many_rows, many = c_rows(path, threads=threads)
    assert many.lines == one.lines == total + 1
    assert many.records == one.records
    assert many_rows == one_rows
    assert c_rows(path, threads=threads, store_order=False)[0] == sql_rows(path, store_order=False)


@pytest.mark.parametrize("threads", [1, 3])
def test_records_merge_into_store_order_across_windows(tmp_path: Path, threads: int):
    # Small windows: a record ending late (a cold start) is held across window ends.
    path = tmp_path / "gen.log"
    total = _generator().generate(path, 30_000, seed=18)
    rows, scan = c_rows(path, threads=threads, window_bytes=20_000)
    assert rows == sql_rows(path)
    assert (scan.lines, scan.records) == (total, len(rows))
    assert scan.failure is None and not scan.out_of_order


def test_records_too_far_out_of_order_fail_in_store_order_but_not_in_file_order(tmp_path: Path):
    path = tmp_path / "gen.log"
    _generator().generate(path, 30_000, seed=19)
    lines = path.read_text().splitlines()
    write(path, lines[15_000:] + lines[:15_000])  # two streams' exports, one after the other
    scan = _scan.ReportScan(str(path), window_bytes=20_000)
    with pytest.raises(ValueError, match="out of store order$"):
        scan.drain()
    assert scan.out_of_order and scan.failure.endswith("out of store order")
    assert c_rows(path, window_bytes=20_000, store_order=False)[0] == sql_rows(path, store_order=False)
    assert c_rows(path)[0] == sql_rows(path)  # one window holds them all: sorted


def test_many_records_without_a_time_are_out_of_store_order(tmp_path: Path):
    path = write(tmp_path / "bare.log", [LINE.format(rid=f"id-{i}")[25:] for i in range(_scan.MAX_UNTIMED + 1)])
    with pytest.raises(ValueError, match="without a time.*out of store order$"):
        scanned(path)
    assert scanned(path, store_order=False).records == _scan.MAX_UNTIMED + 1


def test_records_without_a_time_among_many_windows_go_last(tmp_path: Path):
    path = tmp_path / "gen.log"
    _generator().generate(path, 20_000, seed=20)
    lines = path.read_text().splitlines()
    for at in (5, 7_000, 19_000):
        lines.insert(at, LINE.format(rid=f"untimed-{at}")[25:])
    write(path, lines)
    rows, _ = c_rows(path, window_bytes=20_000, threads=2)
    assert rows == sql_rows(path)
    assert [row[0] for row in rows[-3:]] == ["untimed-19000", "untimed-5", "untimed-7000"]


@pytest.mark.parametrize(("text", "lines"), [("", 0), ("\n", 1), ("a", 1), ("a\n", 1), ("a\nb", 2),
                                              ("\n\n\n", 3)])
def test_lines_are_counted_as_the_exact_parser_counts_them(tmp_path: Path, text: str, lines: int):
    path = tmp_path / "small.log"
    path.write_text(text)
    rows, scan = c_rows(path)
    assert (scan.lines, scan.records) == (lines, 0)
    assert rows == []


def test_records_without_a_time_go_last_by_request_id(tmp_path: Path):
    untimed = [LINE.format(rid=rid)[25:] for rid in ("b", "a", "c")]
    timed = [LINE.replace("00:00:00.077", stamp).format(rid=rid)
             for stamp, rid in (("00:00:02.000", "x"), ("00:00:01.000", "z"), ("00:00:01.000", "y"))]
    path = write(tmp_path / "order.log", untimed + timed)
    assert [row[0] for row in c_rows(path)[0]] == ["y", "z", "x", "a", "b", "c"]
    assert [row[0] for row in c_rows(path, store_order=False)[0]] == ["b", "a", "c", "x", "z", "y"]
    assert assert_subset_of_sql(path)


def test_unsorted_runs_split_over_threads_merge_into_store_order(tmp_path: Path):
    path = tmp_path / "gen.log"
    _generator().generate(path, 60_000, seed=13)
    lines = path.read_text().splitlines()
    lines.reverse()  # every thread's run is out of order, and so are the runs
    write(path, lines)
    assert c_rows(path, threads=4)[0] == sql_rows(path)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_repeated_request_id_is_found_anywhere_in_the_file(tmp_path: Path, threads: int):
    path = tmp_path / "gen.log"
    _generator().generate(path, 60_000, seed=14)
    lines = path.read_text().splitlines()
    repeat = LINE.format(rid=RID)
    write(path, [repeat] + lines + [repeat.replace("50.44", "51.00")])  # first and last line
    # The last line is out of store order (its time is the first's): file order.
    assert scanned(path, threads=threads, window_bytes=100_000, store_order=False).duplicates
    write(path, [repeat] + lines)
    assert not scanned(path, threads=threads, window_bytes=100_000).duplicates


def test_emulator_output_is_flagged(tmp_path: Path):
    emulated = LINE.replace("1024 MB", f"{EMULATOR_MEMORY_MB} MB").replace("218 MB", f"{EMULATOR_MEMORY_MB} MB")
    assert scanned(write(tmp_path / "e.log", [emulated.format(rid="a"), emulated.format(rid="b")])).emulator
    mixed = [emulated.format(rid="a"), LINE.format(rid="b")]
    assert not scanned(write(tmp_path / "m.log", mixed)).emulator
    assert not scanned(write(tmp_path / "none.log", ["START RequestId: a"])).emulator


@pytest.mark.parametrize(("line", "why"), [
    ("2026-01-05T10:00:00.000Z 0b6f6e2c Task timed out after 3.00 seconds", "needs the exact parser"),
    ("2026-01-05T10:00:00.000Z 0b6f6e2c (rapid) INIT_REPORT", "needs the exact parser"),
    ('{"time": "2026-01-05T10:00:00.000Z", "type": "platform.report"}', "needs the exact parser"),
    ("Duration: 5.00 ms\tBilled Duration: 5 ms", "needs the exact parser"),
    ("  Max Memory Used: 5 MB", "needs the exact parser"),
    ("@message=REPORT", "needs the exact parser"),
    ("2026-01-05 10:00:00.000", "needs the exact parser"),
    ("2026-01-05T10:00:00.000Z REPORT RequestId: x  Duration: 5.00 ms", "not a canonical REPORT line"),
    (LINE.format(rid="a b"), "not a canonical REPORT line"),
    (LINE.format(rid="abc-XRAY-1"), "not a canonical REPORT line"),  # the exact parser cuts there
    (LINE.format(rid=RID).replace("2026-01-05", "1899-01-05"), "not a canonical REPORT line"),
    (LINE.format(rid=RID).replace("2026-01-05", "2026-02-30"), "not a canonical REPORT line"),
    (LINE.format(rid=RID) + "Status: timeoutError Type: X", "not a canonical REPORT line"),
    ("app line\r", "carriage return"),
    ("app\x00line", "NUL"),
    ("app\x1fline", "unit separator"),
])
def test_a_line_it_does_not_vouch_for_is_named(tmp_path: Path, line: str, why: str):
    path = write(tmp_path / "odd.log", [LINE.format(rid="a"), "START RequestId: a", line, "END"])
    with pytest.raises(ValueError, match=f"^line 3 .*{why}"):
        scanned(path, threads=1)


def test_invalid_utf8_is_refused_and_valid_utf8_is_not(tmp_path: Path):
    path = tmp_path / "bytes.log"
    path.write_bytes(LINE.format(rid="a").encode() + "\nhello wörld ✓ 🎉\n".encode())
    assert scanned(path).records == 1
    for bad in (b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"):
        path.write_bytes(b"ok\n" + bad + b" app line\n")
        with pytest.raises(ValueError, match="^line 2 is not UTF-8"):
            scanned(path)


@pytest.mark.parametrize("window_bytes", [100_000, 1 << 30])
def test_the_line_number_counts_every_earlier_thread_and_window(tmp_path: Path, window_bytes: int):
    path = tmp_path / "gen.log"
    total = _generator().generate(path, 60_000, seed=15)
    with path.open("a") as out:
        out.write("2026-01-05T10:00:00.000Z x Task timed out after 3.00 seconds\n")
    with pytest.raises(ValueError, match=f"^line {total + 1} needs the exact parser"):
        scanned(path, threads=4, window_bytes=window_bytes)


def test_a_refused_line_ends_the_stream_with_its_reason(tmp_path: Path):
    path = write(tmp_path / "odd.log", [LINE.format(rid="a"), "Status: x"])
    with pytest.raises(duckdb.Error, match="line 2 needs the exact parser"):
        c_rows(path)
    scan = _scan.ReportScan(str(path))
    with pytest.raises(ValueError, match="^line 2 needs the exact parser"):
        scan.drain()
    assert scan.done and scan.failure == "line 2 needs the exact parser" and not scan.out_of_order
    with pytest.raises(ValueError, match="^line 2"):
        scan.records  # noqa: B018 - the property raises


def test_what_it_found_is_known_once_read_and_it_is_read_once(tmp_path: Path):
    path = write(tmp_path / "a.log", [LINE.format(rid="a")])
    scan = _scan.ReportScan(str(path))
    assert not scan.done and scan.failure is None
    with pytest.raises(ValueError, match="has not read the whole file"):
        scan.records  # noqa: B018 - the property raises
    CON.register("scan", scan)
    try:
        assert CON.sql(scan_select("scan")).fetchall() == sql_rows(path)
        assert scan.done and scan.records == 1 and scan.lines == 1
        with pytest.raises(duckdb.Error, match="read already"):
            CON.sql(scan_select("scan")).fetchall()
    finally:
        CON.unregister("scan")
    with pytest.raises(ValueError, match="read already"):
        scan.drain()


def test_a_missing_file_is_an_os_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        _scan.ReportScan(str(tmp_path / "missing.log"))


def test_small_batches_and_a_small_queue_give_the_same_records(tmp_path: Path):
    path = tmp_path / "gen.log"
    _generator().generate(path, 3_000, seed=16)
    assert c_rows(path, threads=2, batch_rows=7, queue_bytes=0)[0] == sql_rows(path)


def test_a_scan_dropped_unread_stops_its_parse(tmp_path: Path):
    path = tmp_path / "gen.log"
    _generator().generate(path, 60_000, seed=21)
    threads = _threads()
    scan = _scan.ReportScan(str(path), batch_rows=10, queue_bytes=0, window_bytes=100_000)
    scan.start()  # the queue fills at once: the parser waits for a reader that never comes
    running = _threads()
    assert running > threads  # the parser's own thread
    del scan  # and is stopped: its thread ends
    deadline = time.monotonic() + 10
    while _threads() >= running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _threads() < running


def _threads() -> int:
    """This process's OS threads (the C parser's thread is not a Python thread)."""
    return len(os.listdir("/proc/self/task"))


#: Records without a time (tied in store order) and a line without a final newline.
UNTIMED = [LINE.format(rid=rid)[25:] for rid in ("0000-2", "0000-10", "0000-1")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(log_lines, min_size=1, max_size=40), st.booleans())
@example(UNTIMED, False)
def test_generated_logs_are_parsed_as_by_the_sql_path(tmp_path: Path, lines: list[str], newline: bool):
    """Generated logs hold only canonical lines: the C parser takes every one (but an empty
    file, which no fast path opens)."""
    path = write(tmp_path / "generated.log", lines, newline_at_end=newline)
    assert assert_subset_of_sql(path) or path.stat().st_size == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(CANONICAL_LINES), st.lists(edits, min_size=1, max_size=3))
def test_mutated_report_lines_are_parsed_as_by_the_sql_path_or_declined(tmp_path: Path, line: str,
                                                                         changes):
    path = write(tmp_path / "mutated.log", ["START RequestId: x", mutate(line, changes), "END"])
    assert_subset_of_sql(path)


@pytest.mark.parametrize("line", CANONICAL_LINES)
def test_every_canonical_layout_is_taken(tmp_path: Path, line: str):
    assert assert_subset_of_sql(write(tmp_path / "canonical.log", [line]))


def test_the_share_handed_over_grows_with_each_batch(tmp_path: Path):
    import pyarrow as pa

    path = tmp_path / "gen.log"
    _generator().generate(path, 3_000, seed=17)
    scan = _scan.ReportScan(str(path), batch_rows=100, window_bytes=20_000)
    reader = pa.RecordBatchReader.from_stream(scan)
    seen = [scan.exported]
    for batch in reader:
        seen.append(scan.exported)
        assert batch.num_rows <= 100
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen) and len(set(seen)) > 5
