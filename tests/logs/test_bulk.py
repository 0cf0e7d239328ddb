"""The bulk import path stores exactly what the general path stores, or leaves the import to it."""

from __future__ import annotations

import gzip
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisor.errors import AdvisorError, InputError, UsageError
from advisor.logs.bulk import BULK_MIN_BYTES, store_report_files
from advisor.logs.importing import import_logs
from advisor.logs.reader import read_paths
from advisor.workspace import (
    IMPORT_MEMORY_ENV,
    PAUSE_ENV,
    RECORDS_TABLE,
    REPORT_TABLE,
    Workspace,
    import_memory_limit,
)

from ._reports import log_lines

REPO = Path(__file__).resolve().parents[2]
#: Every test runs with the C parser and with the SQL parser (tests/logs/conftest.py).
pytestmark = pytest.mark.usefixtures("fast_parser")
#: Enough generated lines for a file over the bulk threshold (about 112 bytes a line).
LINES = 45_000
RID = "0b6f6e2c-1a52-4a5e-9d1b-6f0e8d1b2c3a"
#: Canonical lines the generator does not write: Status and Error Type fields, a legacy
#: timeout (no Status, Billed below Duration), lines without a time prefix, a 6-digit stamp.
EXTRA = [
    "2026-01-05T09:00:00.000Z REPORT RequestId: 11111111-1111-4111-8111-111111111111\tDuration: 3000.00 ms"
    "\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 300 MB\tStatus: timeout",
    "2026-01-05T09:00:01.500Z REPORT RequestId: 22222222-2222-4222-8222-222222222222\tDuration: 12.50 ms"
    "\tBilled Duration: 13 ms\tMemory Size: 1024 MB\tMax Memory Used: 1024 MB\tInit Duration: 250.10 ms"
    "\tStatus: error\tError Type: Runtime.OutOfMemory",
    "2026-01-05T09:00:02.250Z REPORT RequestId: 33333333-3333-4333-8333-333333333333\tDuration: 3001.07 ms"
    "\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 280 MB\t",
    "REPORT RequestId: 44444444-4444-4444-8444-444444444444\tDuration: 7.00 ms\tBilled Duration: 7 ms"
    "\tMemory Size: 1024 MB\tMax Memory Used: 100 MB\t",
    # 0.0000025 ms is 2.5 ns: start times round half to even, as numpy does in the general path.
    "2026-01-05T09:00:04.000Z REPORT RequestId: 55555555-5555-4555-8555-555555555555\tDuration: 0.0000025 ms"
    "\tBilled Duration: 1 ms\tMemory Size: 1024 MB\tMax Memory Used: 90 MB\t",
    "2026-01-05T09:00:03.123456Z REPORT RequestId: retry-5\tDuration: 1 ms\tBilled Duration: 1 ms"
    "\tMemory Size: 1024 MB\tMax Memory Used: 90 MB",
]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_logs", REPO / "bench" / "gen_logs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generate(path: Path, *, seed: int, extra: list[str] = EXTRA) -> Path:
    """A generated plain log over the bulk threshold, with ``extra`` lines at its end."""
    _generator().generate(path, LINES, seed=seed)
    with path.open("a") as out:
        out.writelines(line + "\n" for line in extra)
    assert path.stat().st_size >= BULK_MIN_BYTES
    return path


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("logs") / "big.log", seed=3)


def _general(paths: list[Path], workspace: Path, function: str = "f") -> None:
    """Import through the general path (parse to pandas, then Workspace.import_records)."""
    result = read_paths(paths, function=function)
    with Workspace.open(workspace) as ws:
        ws.import_records(result.records, source=", ".join(map(str, paths)), format=result.format,
                          lines=result.lines, parsed=result.parsed, ignored=result.ignored,
                          rejected=len(result.rejected))


def _stored(workspace: Path, function: str = "f") -> tuple[pd.DataFrame, pd.DataFrame]:
    with Workspace.open(workspace) as ws:
        log = ws.import_log().drop(columns=["imported_at", "id"])
        return ws.invocations(function), log


def assert_same_store(bulk: Path, general: Path) -> None:
    bulk_records, bulk_log = _stored(bulk)
    general_records, general_log = _stored(general)
    pd.testing.assert_frame_equal(bulk_records, general_records)
    pd.testing.assert_frame_equal(bulk_log, general_log)


def test_bulk_import_stores_what_the_general_path_stores(tmp_path: Path, big_log: Path):
    outcome = import_logs([big_log], function="f", workspace=tmp_path / "bulk")
    assert outcome.records is None  # the bulk path took it: no records passed through Python
    _general([big_log], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")
    records, log = _stored(tmp_path / "bulk")
    assert outcome.counts == {"lines": LINES + len(EXTRA), "parsed": len(records),
                              "ignored": LINES + len(EXTRA) - len(records), "rejected": 0,
                              "records": len(records)}
    by_id = records.set_index("request_id")
    assert by_id.loc["11111111-1111-4111-8111-111111111111", "status"] == "timeout"
    assert by_id.loc["22222222-2222-4222-8222-222222222222", "error_type"] == "Runtime.OutOfMemory"
    assert by_id.loc["33333333-3333-4333-8333-333333333333", "status"] == "timeout"  # legacy
    assert pd.isna(by_id.loc["44444444-4444-4444-8444-444444444444", "end_time"])
    assert by_id.loc["retry-5", "end_time"] == pd.Timestamp("2026-01-05T09:00:03.123456Z")
    half = by_id.loc["55555555-5555-4555-8555-555555555555"]
    assert half["end_time"] - half["start_time"] == pd.Timedelta(2, "ns")
    assert list(log["added"]) == [len(records)]


def test_the_c_parser_reads_plain_files_unless_switched_off(tmp_path: Path, big_log: Path,
                                                           fast_parser: str,
                                                           monkeypatch: pytest.MonkeyPatch):
    import advisor.logs.bulk

    scans = []
    real = advisor.logs.bulk.report_scan
    monkeypatch.setattr(advisor.logs.bulk, "report_scan",
                        lambda source, **options: scans.append(real(source, **options)) or scans[-1])
    outcome = import_logs([big_log], function="f", workspace=tmp_path)
    assert outcome.records is None
    assert [scan is not None for scan in scans] == [fast_parser == "c"]


def test_a_line_the_c_parser_does_not_vouch_for_is_read_by_duckdb(tmp_path: Path):
    # A year the C parser leaves to DuckDB (its dates are checked for 1900-2200 only).
    old = ("1899-12-31T23:59:59.000Z REPORT RequestId: old-1\tDuration: 1.00 ms\tBilled Duration: 1 ms"
           "\tMemory Size: 1024 MB\tMax Memory Used: 90 MB")
    log = _generate(tmp_path / "old.log", seed=9, extra=[old])
    outcome = import_logs([log], function="f", workspace=tmp_path / "bulk")
    assert outcome.records is None  # still the bulk path
    _general([log], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")


def test_a_prefetched_parse_is_taken_over_by_the_import(tmp_path: Path, big_log: Path,
                                                        fast_parser: str):
    import advisor.logs.bulk

    advisor.logs.bulk.prefetch([big_log])
    assert len(advisor.logs.bulk._PREFETCHED) == (fast_parser == "c")
    outcome = import_logs([big_log], function="f", workspace=tmp_path / "bulk")
    assert outcome.records is None and advisor.logs.bulk._PREFETCHED == {}
    _general([big_log], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")


def test_a_prefetch_asked_again_for_the_same_file_keeps_its_parse(big_log: Path, fast_parser: str):
    import advisor.logs.bulk

    advisor.logs.bulk.prefetch([big_log])
    first = dict(advisor.logs.bulk._PREFETCHED)
    advisor.logs.bulk.prefetch([big_log])
    try:
        assert len(first) == (fast_parser == "c")
        assert all(advisor.logs.bulk._PREFETCHED[key] is scan for key, scan in first.items())
    finally:
        advisor.logs.bulk._PREFETCHED.clear()


def test_the_executable_starts_parsing_before_it_loads_the_command_line(big_log: Path, fast_parser: str):
    script = (
        "import sys\n"
        "import advisor.launch, advisor.logs.bulk as bulk\n"
        f"advisor.launch.prefetch(['import', 'logs', {str(big_log)!r}, '--function', 'f'])\n"
        "print(len(bulk._PREFETCHED), sorted(m for m in ('typer', 'duckdb', 'pandas') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split(maxsplit=1) == [str(int(fast_parser == "c")), "[]\n"]


def test_a_file_changed_after_its_prefetch_is_parsed_again(tmp_path: Path):
    import advisor.logs.bulk

    log = _generate(tmp_path / "changing.log", seed=10, extra=[])
    advisor.logs.bulk.prefetch([log])
    with log.open("a") as out:
        out.write(EXTRA[0] + "\n")
    import_logs([log], function="f", workspace=tmp_path / "bulk")
    records, _ = _stored(tmp_path / "bulk")
    assert "11111111-1111-4111-8111-111111111111" in set(records["request_id"])
    assert advisor.logs.bulk._PREFETCHED == {}


def test_several_files_match_the_general_path(tmp_path: Path, big_log: Path):
    paths = [big_log, _generate(tmp_path / "other.log", seed=4, extra=[])]
    outcome = import_logs(paths, function="f", workspace=tmp_path / "bulk")
    assert outcome.records is None
    _general(paths, tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")


def test_large_gzip_file_goes_through_the_bulk_path(tmp_path: Path, big_log: Path):
    packed = tmp_path / "big.log.gz"
    # Level 0: stored, not compressed, so the file stays over the size threshold.
    packed.write_bytes(gzip.compress(big_log.read_bytes(), compresslevel=0))
    outcome = import_logs([packed], function="f", workspace=tmp_path / "bulk")
    assert outcome.records is None
    _general([packed], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")


def test_reimporting_the_same_log_adds_nothing(tmp_path: Path, big_log: Path):
    ws = tmp_path / "ws"
    first = import_logs([big_log], function="f", workspace=ws)
    second = import_logs([big_log], function="f", workspace=ws)
    assert second.records is None  # staged and de-duplicated by the bulk path
    assert second.summary.added == 0
    assert second.summary.duplicates == first.summary.added == second.counts["parsed"]
    records, log = _stored(ws)
    assert len(records) == first.summary.added
    assert list(log["added"]) == [first.summary.added, 0]


def test_overlapping_later_import_matches_the_general_path(tmp_path: Path, big_log: Path):
    later = _generate(tmp_path / "later.log", seed=8)  # other invocations, and EXTRA again
    for path in ("bulk", "general"):
        _general([big_log], tmp_path / path)  # the same stored start for both
    outcome = import_logs([later], function="f", workspace=tmp_path / "bulk")
    assert outcome.records is None
    assert outcome.summary.duplicates == len(EXTRA)
    _general([later], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")


def test_records_the_bulk_path_stored_are_duplicates_to_the_general_path(tmp_path: Path, big_log: Path):
    # The two paths store into tables of their own (a REPORT line fills fewer columns); each
    # skips what the other stored.
    first = import_logs([big_log], function="f", workspace=tmp_path / "ws")
    assert first.records is None
    result = read_paths([big_log], function="f")
    with Workspace.open(tmp_path / "ws") as ws:
        again = ws.import_records(result.records, source="again", format=result.format, lines=result.lines,
                                  parsed=result.parsed, ignored=result.ignored, rejected=len(result.rejected))
        assert (again.added, again.duplicates) == (0, first.summary.added)
        tables = dict(ws.connection.execute(
            f"SELECT '{REPORT_TABLE}', count(*) FROM {REPORT_TABLE} UNION ALL "
            f"SELECT '{RECORDS_TABLE}', count(*) FROM {RECORDS_TABLE}").fetchall())
    assert tables == {REPORT_TABLE: first.summary.added, RECORDS_TABLE: 0}


def test_repeated_request_id_is_left_to_the_general_path(tmp_path: Path):
    retry = (f"2026-01-05T10:00:00.000Z REPORT RequestId: {RID}\tDuration: 5.00 ms\tBilled Duration: 5 ms"
             "\tMemory Size: 1024 MB\tMax Memory Used: 90 MB")
    again = retry.replace("10:00:00.000Z", "10:00:09.000Z").replace("5.00 ms", "6.00 ms")
    log = _generate(tmp_path / "retry.log", seed=5, extra=[retry, again])
    assert store_report_files([log], function="f", workspace=tmp_path / "bulk") is None
    assert not Workspace.open(tmp_path / "bulk").functions()
    outcome = import_logs([log], function="f", workspace=tmp_path / "bulk")
    _general([log], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")
    ids = set(_stored(tmp_path / "bulk")[0]["request_id"])
    assert {RID, f"{RID}#2"} <= ids
    assert outcome.summary.added == len(ids)


@pytest.mark.parametrize("odd", [
    "2026-01-05T10:00:00.000Z 0b6f6e2c Task timed out after 3.00 seconds",
    "2026-01-05T10:00:00.000Z REPORT RequestId: x  Duration: 5.00 ms",
    "Duration: 5.00 ms\tBilled Duration: 5 ms",
])
def test_a_line_for_the_exact_parser_sends_the_import_to_it(tmp_path: Path, odd: str):
    log = _generate(tmp_path / "odd.log", seed=6, extra=[odd])
    assert store_report_files([log], function="f", workspace=tmp_path / "bulk") is None
    assert not Workspace.open(tmp_path / "bulk").functions()  # nothing stored by the bulk attempt
    import_logs([log], function="f", workspace=tmp_path / "bulk")
    _general([log], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")


def test_emulator_output_is_refused_with_the_general_message(tmp_path: Path):
    plain = tmp_path / "plain.log"
    _generator().generate(plain, LINES, seed=7)
    emulated = tmp_path / "emulated.log"
    text = plain.read_text().replace("Memory Size: 1024 MB", "Memory Size: 3008 MB")
    emulated.write_text("".join(
        line.split("Max Memory Used: ")[0] + "Max Memory Used: 3008 MB\t\n" if "REPORT" in line else line
        for line in text.splitlines(keepends=True)))
    with pytest.raises(InputError, match="local emulator output"):
        import_logs([emulated], function="f", workspace=tmp_path / "ws")
    assert Workspace.open(tmp_path / "ws").functions() == []
    allowed = import_logs([emulated], function="f", workspace=tmp_path / "ws", allow_emulator=True)
    assert allowed.records is None and allowed.summary.added > 0


def test_bulk_import_does_not_load_pandas(tmp_path: Path, big_log: Path):
    script = (
        "import sys\n"
        "from advisor.cli import run\n"
        f"code = run(['import', 'logs', {str(big_log)!r}, '--function', 'f', '--workspace', {str(tmp_path)!r}])\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "added" in done.stdout


def test_bulk_import_killed_midway_leaves_the_store_unchanged(tmp_path: Path, big_log: Path):
    ws = tmp_path / "ws"
    advisor = shutil.which("advisor") or str(Path(sys.executable).parent / "advisor")
    marker = tmp_path / "paused"
    child = subprocess.Popen([advisor, "import", "logs", str(big_log), "--function", "f", "--workspace",
                              str(ws)], env={**os.environ, PAUSE_ENV: str(marker)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the import never reached its pause"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait(timeout=60)
    with Workspace.open(ws) as opened:
        assert opened.functions() == []
        assert opened.import_log().empty
        assert opened.connection.execute("SELECT count(*) FROM invocations").fetchone()[0] == 0


def test_bulk_import_reports_its_progress_up_to_done(tmp_path: Path, big_log: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    import advisor.logs.bulk
    import advisor.workspace

    monkeypatch.setattr(advisor.workspace, "PROGRESS_POLL_SECONDS", 0.001)
    seen: list[float] = []
    outcome = import_logs([big_log], function="f", workspace=tmp_path, on_progress=seen.append)
    assert outcome.records is None
    assert len(seen) >= 2 and seen[-1] == 1.0
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip(seen, seen[1:]))


def _other_service_log(path: Path) -> Path:
    """A web server's access log, over the bulk threshold: no Lambda records at all."""
    with path.open("w") as out:
        for i in range(60_000):
            out.write(f'127.0.0.{i % 255} - - [05/Jan/2026:00:00:{i % 60:02d} +0000] '
                      f'"GET /index{i}.html HTTP/1.1" 200 {i % 9000 + 100} "-" "curl/8.0"\n')
    assert path.stat().st_size >= BULK_MIN_BYTES
    return path


def test_a_large_log_of_another_service_is_refused_as_by_the_general_path(tmp_path: Path):
    log = _other_service_log(tmp_path / "access.log")
    with pytest.raises(InputError, match="holds no Lambda log records"):
        import_logs([log], function="f", workspace=tmp_path / "ws")
    assert Workspace.open(tmp_path / "ws").functions() == []


def test_a_file_without_records_among_several_fails_the_whole_import(tmp_path: Path, big_log: Path):
    other = _other_service_log(tmp_path / "access.log")
    with pytest.raises(InputError, match="access.log"):
        import_logs([big_log, other], function="f", workspace=tmp_path / "ws")
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.functions() == [] and ws.import_log().empty


REPORT_LINES = st.lists(log_lines, min_size=1, max_size=30)


#: Found by CI: records without a time are tied; both stores must read them back in one order.
UNTIMED = [f"REPORT RequestId: 00000000-000{i}\tDuration: 0.00 ms\tBilled Duration: 1 ms"
           "\tMemory Size: 128 MB\tMax Memory Used: 1 MB" for i in range(3)]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(REPORT_LINES, st.booleans())
@example(UNTIMED, False)
def test_any_log_is_stored_by_the_bulk_path_as_by_the_general_path(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, lines: list[str],
    repeat_one: bool,
):
    import advisor.logs.bulk

    monkeypatch.setattr(advisor.logs.bulk, "BULK_MIN_BYTES", 0)  # small files, same code path
    if repeat_one:  # a request id seen twice: a retry the general path numbers #2
        lines = lines + [line.replace("Duration: ", "Duration: 1", 1) for line in lines[:1]]
    root = tmp_path_factory.mktemp("any")
    log = root / "generated.log"
    log.write_text("\n".join(lines) + "\n")
    outcomes = []
    for name, store in (("bulk", lambda ws: import_logs([log], function="f", workspace=ws)),
                        ("general", lambda ws: _general([log], ws))):
        try:
            store(root / name)
            outcomes.append(None)
        except InputError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]
    if outcomes[0] is None:
        assert_same_store(root / "bulk", root / "general")


def _interleaved(path: Path, *, seed: int) -> Path:
    """A log of two streams' exports one after the other: its second half is earlier than the
    first, further back than the C parser's window (so DuckDB sorts it)."""
    _generate(path, seed=seed)
    lines = path.read_text().splitlines(keepends=True)
    half = len(lines) // 2
    path.write_text("".join(lines[half:] + lines[:half]))
    return path


def test_a_log_far_out_of_order_is_sorted_by_duckdb(tmp_path: Path, fast_parser: str,
                                                    monkeypatch: pytest.MonkeyPatch):
    import advisor.logs.bulk

    log = _interleaved(tmp_path / "streams.log", seed=12)
    scan = advisor.logs.bulk.report_scan  # with windows smaller than the file
    monkeypatch.setattr(advisor.logs.bulk, "report_scan",
                        lambda source, **options: scan(source, window_bytes=200_000, **options))
    ways = []
    real = advisor.logs.bulk._store
    monkeypatch.setattr(advisor.logs.bulk, "_store",
                        lambda ws, plans, **kw: ways.append([p.way for p in plans]) or real(ws, plans, **kw))
    outcome = import_logs([log], function="f", workspace=tmp_path / "bulk")
    assert outcome.records is None  # still the bulk path: the C parser in file order, DuckDB sorts
    expected = [["c-store-order"], ["c-file-order"]] if fast_parser == "c" else [["sql"]]
    assert ways == expected
    _general([log], tmp_path / "general")
    assert_same_store(tmp_path / "bulk", tmp_path / "general")


def test_bulk_import_keeps_duckdb_within_its_memory_limit(tmp_path: Path, big_log: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    seen = []
    real = Workspace.insert_select

    def insert_select(ws, *args, **kwargs):
        verify = kwargs["verify"]

        def noting(staged, per_file):
            seen.append(ws.connection.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
            verify(staged, per_file)
        return real(ws, *args, **dict(kwargs, verify=noting))

    monkeypatch.setattr(Workspace, "insert_select", insert_select)
    monkeypatch.setenv(IMPORT_MEMORY_ENV, "300MB")
    assert import_logs([big_log], function="f", workspace=tmp_path).records is None
    assert seen == ["286.1 MiB"]  # 300 MB
    with Workspace.open(tmp_path) as ws:  # the limit is the import's only
        assert ws.connection.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != seen[0]


def test_an_import_beyond_its_memory_limit_says_so(tmp_path: Path, big_log: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(IMPORT_MEMORY_ENV, "1MB")
    with pytest.raises(AdvisorError, match=f"needed more than its memory limit.*{IMPORT_MEMORY_ENV}"):
        import_logs([big_log], function="f", workspace=tmp_path)
    monkeypatch.setenv(IMPORT_MEMORY_ENV, "lots")
    with pytest.raises(UsageError, match=f"{IMPORT_MEMORY_ENV}='lots' is not a memory size"):
        import_logs([big_log], function="f", workspace=tmp_path)


def test_the_import_memory_limit_grows_with_the_cores(monkeypatch: pytest.MonkeyPatch):
    from advisor.workspace import IMPORT_MEMORY_MB, IMPORT_MEMORY_MB_PER_THREAD

    monkeypatch.delenv(IMPORT_MEMORY_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert import_memory_limit() == f"{IMPORT_MEMORY_MB}MB"
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert import_memory_limit() == f"{64 * IMPORT_MEMORY_MB_PER_THREAD}MB"
