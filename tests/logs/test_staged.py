"""Large stored imports parsed in parts and staged in DuckDB store what the general path stores."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.errors import AdvisorError
from advisor.logs import decoding, jsonlog, jsonstream, staged
from advisor.logs import text as text_log
from advisor.logs.importing import import_logs
from advisor.workspace import Workspace

from ._formats import FORMAT_SAMPLES
from ._reports import log_lines
from ._samples import SAMPLES, sample
from .test_parser_contract import damages, json_layouts, relayout

RID = "0b6f6e2c-1a52-4a5e-9d1b-6f0e8d1b2c3a"


@pytest.fixture
def tiny_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stored import staged, in parts of a few records, lines and characters, so that
    records, wrapped lines and JSON values straddle the ends of parts."""
    monkeypatch.setattr(staged, "STAGED_MIN_BYTES", 0)
    monkeypatch.setattr(staged, "FLUSH_RECORDS", 2)
    monkeypatch.setattr(decoding, "PART_CHARS", 300)
    monkeypatch.setattr(decoding, "FLUSH_ROWS", 3)
    monkeypatch.setattr(jsonstream, "_CHUNK", 37)
    monkeypatch.setattr(jsonstream, "PART", 2)


def _stored(workspace: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with Workspace.open(workspace) as ws:
        records = ws.connection.execute("SELECT * FROM invocations ORDER BY function, end_time, "
                                        "request_id, duration_ms").df()
        functions = ws.connection.execute("SELECT name, records_cold_starts FROM functions ORDER BY name").df()
        return records, ws.import_log().drop(columns=["imported_at", "id"]), functions


#: What an import outcome says, besides the records: compared between the two paths.
OUTCOME = ("function", "functions", "format", "counts", "rejected", "detections")


def assert_same_import(paths: list[Path], root: Path, **options) -> None:
    """The staged path and the general path (both through import_logs) store the same records,
    functions and import log, and say the same (counts, rejections, formats and why), or fail
    alike."""
    outcomes: list[object] = []
    for name in ("staged", "general"):
        with pytest.MonkeyPatch.context() as patch:
            if name == "general":
                patch.setattr(staged, "applies", lambda paths: False)
            try:
                outcome = import_logs(paths, workspace=root / name, **options)
            except AdvisorError as error:
                outcomes.append(f"{type(error).__name__}: {error}")
                continue
        assert (outcome.records is None) == (name == "staged") and outcome.summary is not None
        outcomes.append({key: getattr(outcome, key) for key in OUTCOME})
    assert outcomes[0] == outcomes[1]
    if not isinstance(outcomes[0], str):
        for staged_table, general_table in zip(_stored(root / "staged"), _stored(root / "general"), strict=True):
            pd.testing.assert_frame_equal(staged_table, general_table)


TIMED_OUT = f"2026-01-05T10:00:00.000Z {RID} Task timed out after 3.00 seconds"
REPORT = (f"2026-01-05T10:00:01.000Z REPORT RequestId: {RID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms"
          "\tMemory Size: 512 MB\tMax Memory Used: 90 MB")
SPECIAL = [
    TIMED_OUT, REPORT, REPORT.replace("3000.00 ms\tBilled", "2999.00 ms\tBilled"),  # a retry: #2
    REPORT.replace("10:00:01", "10:00:02"),  # a retry
    "2026-01-05T10:00:03.000Z", "REPORT RequestId: wrapped-1",  # a time-only line dates the next
    "Duration: 1.00 ms", "  Billed Duration: 1 ms", "Memory Size: 128 MB", "Max Memory Used: 60 MB",
    '{"time":"2026-01-05T10:00:04.000Z","type":"platform.runtimeDone","record":{"requestId":"j-1","status":"timeout"}}',
    '{"time":"2026-01-05T10:00:05.000Z","type":"platform.report","record":{"requestId":"j-1",'
    '"metrics":{"durationMs":5.5,"billedDurationMs":6,"memorySizeMB":128,"maxMemoryUsedMB":70}}}',
    "{", '  "time": "2026-01-05T10:00:06.000Z",', '  "type": "platform.report",',
    '  "record": {"requestId": "p-1", "metrics": {"durationMs": 1.0}}', "}",
    "@timestamp=2026-01-05 10:00:07.000", "@logStream=stream-9",
    "@message=REPORT RequestId: i-1\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
    "2026-01-05T10:00:08.000Z REPORT RequestId: cut\tDuration: 1.00 ms\tMemory Size: 25",  # rejected
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(log_lines | st.sampled_from(SPECIAL), min_size=1, max_size=40), st.booleans())
def test_any_text_log_is_stored_as_by_the_general_path(tmp_path_factory: pytest.TempPathFactory,
                                                        tiny_parts: None, lines: list[str], packed: bool):
    root = tmp_path_factory.mktemp("text")
    path = root / ("any.log.gz" if packed else "any.log")
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if packed else data)
    assert_same_import([path], root, function="f")


def test_special_lines_in_a_text_log_are_stored_as_by_the_general_path(tmp_path: Path, tiny_parts: None):
    path = tmp_path / "special.log"
    crs = "".join(f"REPORT RequestId: cr-{i}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB"
                  "\tMax Memory Used: 60 MB\tStatus: error\tError Type: Runtime.X\r\r\n" for i in range(60))
    path.write_text("\n".join(SPECIAL * 3) + "\n" + crs)  # of two CRs at a line's end, one goes
    assert_same_import([path], tmp_path, function="f")
    records = _stored(tmp_path / "staged")[0]
    assert {RID, f"{RID}#2", f"{RID}#3", "wrapped-1", "j-1", "p-1", "i-1"} <= set(records.request_id)


def _event(i: int, message: str) -> dict:
    return {"logStreamName": f"s-{i % 3}", "timestamp": 1767571200000 + i, "message": message,
            "ingestionTime": 1767571200400 + i, "eventId": str(i)}


messages = log_lines | st.sampled_from(SPECIAL)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(messages, min_size=1, max_size=30), st.sampled_from(["filter", "subscription", "list", "lines"]),
       st.sampled_from([None, 4]))
def test_any_json_export_is_stored_as_by_the_general_path(tmp_path_factory: pytest.TempPathFactory,
                                                          tiny_parts: None, lines: list[str], shape: str,
                                                          indent: int | None):
    root = tmp_path_factory.mktemp("json")
    events = [_event(i, line + "\n") for i, line in enumerate(lines)]
    documents = {
        "filter": [{"events": events, "searchedLogStreams": [], "nextToken": "x"}],
        "subscription": [{"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/sub-fn",
                          "logStream": "s-x", "logEvents": events[: len(events) // 2]},
                         {"logGroup": "/aws/lambda/sub-fn", "logEvents": events[len(events) // 2:]}],
        "list": [events],
        "lines": events,
    }[shape]
    path = root / "export.json"
    path.write_text(("\n" if shape == "lines" else "").join(json.dumps(d, indent=indent) for d in documents))
    assert_same_import([path], root, function="f" if shape != "subscription" else None)


def test_a_key_after_the_events_that_matters_reads_the_file_whole(tmp_path: Path, tiny_parts: None):
    events = [{"timestamp": 1767571200000 + i, "message": f"REPORT RequestId: r-{i}\tDuration: 1.00 ms"
               "\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n"} for i in range(9)]
    path = tmp_path / "late.json"
    path.write_text(json.dumps({"logEvents": events, "logStream": "named-late", "logGroup": "/aws/lambda/late"}))
    assert_same_import([path], tmp_path)
    records = _stored(tmp_path / "staged")[0]
    assert set(records.log_stream) == {"named-late"} and set(records.function) == {"late"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(messages, min_size=1, max_size=25))
def test_any_console_csv_is_stored_as_by_the_general_path(tmp_path_factory: pytest.TempPathFactory,
                                                          tiny_parts: None, lines: list[str]):
    root = tmp_path_factory.mktemp("csv")
    rows = "".join(f'{1767571200000 + i},"{line.replace(chr(34), chr(34) * 2)}\n"\r\n'
                   for i, line in enumerate(lines))
    path = root / "console.csv"
    path.write_text("\ufeff`timestamp,message\r\n" + rows, newline="")
    assert_same_import([path], root, function="f")


def test_insights_csv_and_lambda_insights_are_stored_as_by_the_general_path(tmp_path: Path,
                                                                              tiny_parts: None):
    csv = tmp_path / "insights.csv"
    csv.write_text("@timestamp,@requestId,@duration,@billedDuration,@memorySize,@maxMemoryUsed\n"
                   + "".join(f"2026-01-05 10:00:0{i}.000,r-{i},{i}.5,{i + 1},1.28E8,6.0E7\n" for i in range(8)))
    assert_same_import([csv], tmp_path / "csv", function="f")
    performance = tmp_path / "performance.json"
    performance.write_text(json.dumps([{"event_type": "performance", "request_id": f"p-{i}", "duration": i + 0.5,
                                        "billed_duration": i + 1, "total_memory": 128, "used_memory_max": 60,
                                        "function_name": "perf-fn", "_aws": {"Timestamp": 1767571200000 + i}}
                                       for i in range(9)]))
    assert_same_import([performance], tmp_path / "perf")


@pytest.mark.parametrize("sample_id", sorted(json.loads(line)["id"] for line in SAMPLES.open()))
def test_every_real_sample_is_stored_as_by_the_general_path(tmp_path: Path, tiny_parts: None, sample_id: str):
    path = tmp_path / f"{sample_id}.log"
    path.write_text(sample(sample_id))
    assert_same_import([path], tmp_path, function="f")
    assert_same_import([path], tmp_path / "strict", function="f", strict=True)


def test_several_files_and_formats_in_one_import(tmp_path: Path, tiny_parts: None):
    text = tmp_path / "a.log"
    text.write_text("\n".join(SPECIAL) + "\n")
    export = tmp_path / "b.json"
    export.write_text(json.dumps({"events": [_event(i, REPORT[25:]) for i in range(5)]}))
    assert_same_import([text, export], tmp_path, function="f")


BAD_FILES = [
    ("empty.log", b" \n\t\n"),
    ("binary.log", b"REPORT\x00\x01"),
    ("latin1.log", b"START RequestId: a\n" * 40 + b"caf\xe9\n"),
    ("broken.json", b'{"events": [' + b'{"message": "START RequestId: a", "timestamp": 1},' * 20 + b' x]}'),
    ("truncated.log.gz", gzip.compress(b"START RequestId: a\n" * 100, mtime=0)[:-12]),
    # An error in the text before the one in the file: the file's is the general path's error.
    ("broken-latin1.json", b'{"events": [{"message": "START"}, x]}' + b"\n" * 200_000 + b"caf\xe9\n"),
    ("broken-truncated.json.gz", gzip.compress(b'{"events": [x' + b" " * 200_000 + b"]}", mtime=0)[:-12]),
    ("other-latin1.log", b"GET /index.html 200\n" * 10_000 + b"caf\xe9\n"),
    ("other.log", b"GET /index.html 200\n" * 30),
    ("emulator.log", b"REPORT RequestId: e-1\tInit Duration: 1.00 ms\tDuration: 1.00 ms\tBilled Duration: 1 ms"
                     b"\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\n"),
]


@pytest.mark.parametrize(("name", "data"), BAD_FILES, ids=[name for name, _ in BAD_FILES])
def test_bad_files_fail_as_by_the_general_path(tmp_path: Path, tiny_parts: None, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    assert_same_import([path], tmp_path, function="f")


def test_a_missing_function_name_and_a_missing_file_fail_as_by_the_general_path(tmp_path: Path,
                                                                                tiny_parts: None):
    path = tmp_path / "a.log"
    path.write_text(REPORT + "\n")
    assert_same_import([path], tmp_path / "unnamed")
    assert_same_import([path, tmp_path / "missing.log"], tmp_path / "missing", function="f")


def test_only_large_imports_are_staged(tmp_path: Path):
    small = tmp_path / "small.log"
    small.write_text(REPORT + "\n")
    assert not staged.applies([small])
    packed = tmp_path / "large.log.gz"
    packed.write_bytes(gzip.compress((REPORT + "\n").encode() * 40_000))  # small file, large text
    assert packed.stat().st_size < staged.STAGED_MIN_BYTES <= 40_000 * (len(REPORT) + 1)
    assert staged.applies([packed])


CASES = [(name, case) for name, cases in FORMAT_SAMPLES.items() for case in cases]


@st.composite
def format_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file of any format's real samples: in another layout or not, damaged or not,
    compressed or not; named for the format it is."""
    name, case = draw(st.sampled_from(CASES))
    content = case.build()
    if isinstance(content, str):
        content = draw(st.sampled_from([content, relayout(name, content, draw(json_layouts()))]))
        content = draw(st.just(content) | damages(content)).encode("utf-8", "surrogatepass")
    return name, gzip.compress(content) if draw(st.booleans()) else content


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(format_files(), min_size=1, max_size=3), st.sampled_from([None, "f"]), st.booleans(),
       st.booleans(), st.sampled_from([3, 200]))
def test_files_of_every_format_are_stored_as_by_the_general_path(
        tmp_path_factory: pytest.TempPathFactory, tiny_parts: None, files: list[tuple[str, bytes]],
        function: str | None, strict: bool, allow_emulator: bool, block: int):
    """Detected alike (the same candidates tried, the same reasons), read alike, stored alike:
    every format the general path reads, json-log included, several in one import."""
    root = tmp_path_factory.mktemp("formats")
    paths = []
    for index, (name, content) in enumerate(files):
        paths.append(root / f"{index}-{name}.log")
        paths[-1].write_bytes(content)
    with pytest.MonkeyPatch.context() as patch:
        for module in (text_log, jsonlog):  # broken records looked for over a few lines: parts cut them
            patch.setattr(module, "_MAX_JSON_BLOCK", block)
        assert_same_import(paths, root, function=function, strict=strict, allow_emulator=allow_emulator)


@pytest.mark.parametrize("forced", [None, "json-log", "text"])
def test_the_format_of_each_file_is_chosen_and_reported_as_by_the_general_path(
        tmp_path: Path, tiny_parts: None, forced: str | None):
    mixed = tmp_path / "mixed.log"  # cloudwatch-json recognises it first and finds no records
    mixed.write_text(json.dumps({"timestamp": 1718645035000, "message": "INIT_START Runtime Version: x"})
                     + "\n" + sample("S172") + "\n")
    lines = tmp_path / "function.log"
    lines.write_text(sample("S178") + "\n" + sample("S181") + "\n")
    assert_same_import([mixed, lines], tmp_path / "both", function="f", format=forced)
    if forced is None:
        outcome = import_logs([mixed, lines], function="f", workspace=tmp_path / "again")
        assert [(d.format, d.reason.split(";")[-1].strip()) for d in outcome.detections] == [
            ("text", "read as text because cloudwatch-json found no records in it"),
            ("json-log", outcome.detections[1].reason)]
        assert outcome.functions == ["f"] and outcome.format == "json-log+text"


def test_every_import_path_says_which_functions_and_formats_it_read(tmp_path: Path, tiny_parts: None):
    path = tmp_path / "payload.json"
    path.write_text(sample("S112"))
    for dry_run in (True, False):  # the general path's dry run, and the staged path
        outcome = import_logs([path], dry_run=dry_run, workspace=tmp_path / "ws")
        assert (outcome.records is not None) == dry_run
        assert outcome.functions == [outcome.function] and outcome.function
        assert [(d.file, d.format) for d in outcome.detections] == [(str(path), "cloudwatch-json")]
        document = outcome.to_dict(with_records=False)
        assert document["functions"] == outcome.functions and document["files"][0]["format"] == "cloudwatch-json"
