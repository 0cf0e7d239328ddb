"""The contract every log parser keeps, on its own real samples (``tests/logs/_formats.py``).

For each parser of ``LOG_PARSERS`` and each file made of its samples:

- it recognises the file (``sniff``), and detection reads the file as that format and says why;
- no other parser claims it, except one that reads its lines too and that detection tries
  later (``OVERLAPS``);
- every unit is accounted for: ``lines == parsed + ignored + rejected``;
- the records are the values written in the sample;
- the file written out again in another layout (whitespace, indentation, key order, column
  order, line ends, base64 line width) is detected as the same format and gives the same
  records: the round trip;
- the file damaged anywhere gives records and rejections that name the file and a line, or an
  ``AdvisorError`` that names the file (and the line, for a syntax error): never a traceback;
- read in parts (``feed``, as large stored imports read files), the file, in any layout and
  damaged anywhere, gives what ``parse`` gives reading it whole: the same records, counts,
  rejections and errors, with parts of a few characters that cut every value and line.

A parser added to ``LOG_PARSERS`` without samples in ``FORMAT_SAMPLES`` fails
:func:`test_every_log_parser_has_samples`, so every parser is held to all of it.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.errors import AdvisorError
from advisor.logs import LOG_FORMATS, LOG_PARSERS, Parser, decoding, jsonlog, jsonstream, read_paths
from advisor.logs import text as text_log
from advisor.logs.decoding import iter_json_documents
from advisor.logs.events import EventAssembler
from advisor.logs.jsonstream import SplitTooLateError
from advisor.logs.reader import read_text
from advisor.logs.sniffing import HEAD_BYTES

from ._formats import FORMAT_SAMPLES, FormatSample

#: Formats whose files another parser may also recognise, because it reads the same lines:
#: the text parser reads Lambda's lines wherever they stand (inside JSON strings, CSV cells).
#: Detection tries it after the format itself (checked below).
OVERLAPS: dict[str, set[str]] = {name: {"text"} for name in FORMAT_SAMPLES if name != "text"}
CASES = [(name, case) for name, cases in FORMAT_SAMPLES.items() for case in cases]
IDS = [f"{name}: {case.name}" for name, case in CASES]
_RANK = {parser.name: rank for rank, parser in enumerate(LOG_PARSERS)}
_CSV_FORMATS = ("console-csv", "insights-csv")
_BASE64_RE = re.compile(r"[A-Za-z0-9+/=]{16,}")
#: Record columns a round trip must keep.
_COLUMNS = ["request_id", "start_time", "end_time", "duration_ms", "billed_duration_ms", "memory_mb",
            "max_memory_used_mb", "init_ms", "restore_ms", "billed_restore_ms", "status", "error_type",
            "log_stream"]

contract = pytest.mark.parametrize(("name", "case"), CASES, ids=IDS)


def write(folder: Path, content: str | bytes, filename: str = "sample.log") -> Path:
    path = folder / filename
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def read(path: Path, case: FormatSample):
    return read_paths([path], function=None if case.function else "f", allow_emulator=True)


def value(cell: object) -> object:
    return None if not isinstance(cell, str) and pd.isna(cell) else cell


def test_every_log_parser_has_samples():
    assert set(FORMAT_SAMPLES) == set(LOG_FORMATS), "each parser of LOG_PARSERS needs files in FORMAT_SAMPLES"
    assert all(FORMAT_SAMPLES[name] for name in LOG_FORMATS)


@contract
def test_the_parser_recognises_its_own_samples(tmp_path: Path, name: str, case: FormatSample):
    head = read_text(write(tmp_path, case.build()))[:HEAD_BYTES]
    assert LOG_FORMATS[name].sniff(head)


@contract
def test_detection_reads_the_sample_as_its_format_and_says_why(tmp_path: Path, name: str, case: FormatSample):
    path = write(tmp_path, case.build())
    result = read(path, case)
    assert result.format == name
    [detection] = result.detections
    assert (detection.file, detection.format) == (str(path), name) and detection.reason


@contract
def test_no_other_parser_claims_the_sample_unless_detection_tries_it_later(
        tmp_path: Path, name: str, case: FormatSample):
    head = read_text(write(tmp_path, case.build()))[:HEAD_BYTES]
    claimed = {parser.name for parser in LOG_PARSERS if parser.name != name and parser.sniff(head)}
    assert claimed <= OVERLAPS.get(name, set())
    assert all(_RANK[other] > _RANK[name] for other in claimed)


@contract
def test_every_unit_is_accounted_for(tmp_path: Path, name: str, case: FormatSample):
    text = read_text(write(tmp_path, case.build()))
    result = LOG_FORMATS[name].parse(text, source="sample")
    assert result.lines == result.parsed + result.ignored + len(result.rejected)
    assert result.rejected == []  # the real samples are whole


@contract
def test_the_records_are_the_values_written_in_the_sample(tmp_path: Path, name: str, case: FormatSample):
    result = read(write(tmp_path, case.build()), case)
    assert len(result.records) == len(case.records)
    if case.function is not None:
        assert result.function == case.function
    for (_, row), expected in zip(result.records.iterrows(), case.records):
        got = {field: value(row[field]) for field in expected.__dataclass_fields__ if field != "end_time"}
        assert got == {field: getattr(expected, field) for field in got}
        assert value(row["end_time"]) == expected.end()


def _shuffled(document: object, rng: random.Random) -> object:
    """``document`` with every object's keys in another order."""
    if isinstance(document, dict):
        items = list(document.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    if isinstance(document, list):
        return [_shuffled(item, rng) for item in document]
    return document


@st.composite
def json_layouts(draw: st.DrawFn) -> dict:
    """How to write JSON: indentation, separators, key order, what goes between documents."""
    return {
        "indent": draw(st.sampled_from([None, 0, 1, 2, 4, "\t"])),
        "separators": draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])),
        "seed": draw(st.integers(0, 2**32)),
        "between": draw(st.sampled_from(["\n", " ", "\t", "\n\n", "\r\n"])),
        "array": draw(st.booleans()),
        "ends": draw(st.sampled_from(["\n", "\r\n"])),
        "tabs": draw(st.sampled_from([None, " ", "    "])),
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        "width": draw(st.sampled_from([60, 64, 76])),
    }


def _dump(document: object, layout: dict, rng: random.Random) -> str:
    return json.dumps(_shuffled(document, rng), indent=layout["indent"], separators=layout["separators"])


def relayout(name: str, content: str, layout: dict) -> str:
    """``content`` written again in ``layout``: the same data in another form."""
    rng = random.Random(layout["seed"])
    if _BASE64_RE.fullmatch(content.strip()):
        compact = content.strip()
        return "\n".join(compact[i:i + layout["width"]] for i in range(0, len(compact), layout["width"])) + "\n"
    if name in _CSV_FORMATS:
        return _relayout_csv(content, layout, rng)
    if name == "text":
        return _relayout_text(content, layout, rng)
    documents = list(iter_json_documents(content, source="sample"))
    if layout["array"] and name in ("json-log", "lambda-insights") and all(isinstance(d, dict) for d in documents):
        return _dump(documents, layout, rng)  # one batch, as the Telemetry API sends them
    return layout["between"].join(_dump(document, layout, rng) for document in documents)


def _relayout_csv(content: str, layout: dict, rng: random.Random) -> str:
    rows = list(csv.reader(io.StringIO(content.lstrip("`\ufeff"), newline="")))
    order = list(range(len(rows[0])))
    rng.shuffle(order)
    out = io.StringIO()
    writer = csv.writer(out, quoting=layout["quoting"], lineterminator=layout["ends"])
    writer.writerows([[row[i] for i in order] for row in rows])
    return out.getvalue()


def _relayout_text(content: str, layout: dict, rng: random.Random) -> str:
    """Lambda's text lines with other line ends, tabs in REPORT lines as spaces (as copies do),
    and every JSON object that starts a line written again in another layout."""
    lines = content.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        if stripped.startswith("{"):
            rest = "\n".join([stripped, *lines[index + 1:]])
            try:
                document, end = json.JSONDecoder().raw_decode(rest)
            except ValueError:
                document, end = None, 0
            if isinstance(document, dict) and not rest[end:].split("\n", 1)[0].strip():
                out.append(line[: len(line) - len(stripped)] + _dump(document, layout, rng))
                index += rest.count("\n", 0, end) + 1
                continue
        if layout["tabs"] is not None and "REPORT RequestId:" in line:
            line = line.replace("\t", layout["tabs"])
        out.append(line)
        index += 1
    return layout["ends"].join(out)


def _records(result) -> pd.DataFrame:
    return result.records[_COLUMNS].reset_index(drop=True)


@contract
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=json_layouts())
def test_the_sample_in_another_layout_is_detected_and_read_the_same(
        tmp_path: Path, name: str, case: FormatSample, layout: dict):
    content = case.build()
    original = read(write(tmp_path, content, "original.log"), case)
    moved = read(write(tmp_path, relayout(name, content, layout), "moved.log"), case)
    assert moved.format == name
    pd.testing.assert_frame_equal(_records(moved), _records(original))
    assert moved.function == original.function
    if name != "text":  # text lines of a re-indented JSON object are more lines, not more events
        assert moved.counts == original.counts
    assert moved.lines == moved.parsed + moved.ignored + len(moved.rejected)


_JUNK = st.sampled_from(["{", "}", "[", "]", '"', ",", ":", "\n", "\t", "\\", "REPORT RequestId: ",
                         "Duration: ", "\x00", "é", '"platform.report"', "@", "timestamp,message\n"])


@st.composite
def damages(draw: st.DrawFn, content: str) -> str:
    """``content`` cut short, with a stretch removed, or with junk put in, anywhere."""
    at = draw(st.integers(0, len(content)))
    kind = draw(st.sampled_from(["cut", "remove", "insert"]))
    if kind == "cut":
        return content[:at]
    if kind == "remove":
        return content[:at] + content[at + draw(st.integers(1, 40)):]
    junk = "".join(draw(st.lists(_JUNK | st.text(max_size=3), min_size=1, max_size=4)))
    return content[:at] + junk + content[at:]


def _assert_names_the_file_and_line(error: AdvisorError, source: str) -> None:
    message = str(error)
    assert source in message
    if "not valid JSON" in message or "not readable as CSV" in message:
        assert re.search(r"\bline \d+", message), message


@contract
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_sample_gives_rejections_or_an_error_naming_file_and_line(
        tmp_path: Path, name: str, case: FormatSample, data: st.DataObject):
    content = case.build()
    damaged = data.draw(damages(content if isinstance(content, str) else content.decode()))
    path = write(tmp_path, damaged.encode("utf-8", "surrogatepass"), "damaged.log")
    try:
        result = read_paths([path], function="f", allow_emulator=True)
    except AdvisorError as error:
        _assert_names_the_file_and_line(error, str(path))
    else:
        assert result.lines == result.parsed + result.ignored + len(result.rejected)
        physical = damaged.count("\n") + 1
        assert all(r.file == str(path) and 1 <= r.line <= max(physical, result.lines) for r in result.rejected)
    for parser in LOG_PARSERS:  # forced with --format: every parser, on every format's damage
        try:
            forced = parser.parse(damaged, source="damaged.log")
        except AdvisorError as error:
            _assert_names_the_file_and_line(error, "damaged.log")
        else:
            assert forced.lines == forced.parsed + forced.ignored + len(forced.rejected)


def _reading(parser: Parser, text: str, *, in_parts: bool) -> object:
    """What ``parser`` makes of ``text``: its result (records, accounting), or its error."""
    try:
        if not in_parts:
            return _compared(parser.parse(text, source="s.log"))
        assembler = EventAssembler("s.log")
        parser.feed(assembler, io.StringIO(text, newline=""), source="s.log", flush=lambda: None)
        return _compared(assembler.result(parser.name))
    except AdvisorError as error:
        return f"{type(error).__name__}: {error}"


def _compared(result) -> tuple:
    records = result.records.astype(object)
    return (records.where(records.notna(), None).to_dict("list"), result.rejected, result.counts, result.kinds,
            result.function, result.emulator, result.format)


@contract
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=json_layouts(), data=st.data())
def test_the_sample_read_in_parts_gives_what_it_gives_read_whole(
        tmp_path: Path, name: str, case: FormatSample, layout: dict, data: st.DataObject):
    content = read_text(write(tmp_path, case.build()))
    whole = data.draw(st.sampled_from([content, relayout(name, content, layout)]))
    whole = data.draw(st.just(whole) | damages(whole))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decoding, "PART_CHARS", data.draw(st.integers(1, 200)))
        patch.setattr(jsonstream, "_CHUNK", data.draw(st.integers(1, 50)))
        patch.setattr(jsonstream, "PART", data.draw(st.integers(1, 3)))
        for module in (text_log, jsonlog):  # how far a broken or pretty-printed record is looked for
            patch.setattr(module, "_MAX_JSON_BLOCK", data.draw(st.integers(1, 8)))
        for parser in LOG_PARSERS:  # its own format, and forced on every other one
            read_whole = _reading(parser, whole, in_parts=False)
            try:
                read_in_parts = _reading(parser, whole, in_parts=True)
            except SplitTooLateError:  # a key after a long array: such a file is read whole
                assert getattr(parser, "document_keys", None) is not None
                continue
            assert read_in_parts == read_whole, parser.name


def test_overlapping_formats_are_tried_in_the_order_of_log_parsers():
    for name, others in OVERLAPS.items():
        assert all(_RANK[other] > _RANK[name] for other in others)


@pytest.mark.parametrize("name", sorted(FORMAT_SAMPLES))
def test_a_file_of_each_format_without_records_is_described_truthfully(tmp_path: Path, name: str):
    """A valid file that holds no record is refused with the format it was read as and what it held."""
    empty, held = {
        "text": "START RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95 Version: $LATEST\n"
                "END RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95\n",
        "json-log": '{"time":"2026-10-08T07:30:28.235Z","type":"platform.start",'
                    '"record":{"requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","version":"$LATEST"}}\n',
        "cloudwatch-json": json.dumps({"events": [{"timestamp": 1559763003171, "ingestionTime": 1559763003309,
                                                   "message": "START RequestId: 4ce9 Version: $LATEST\n"}]}),
        "console-csv": 'timestamp,message\n1751235598769,"START RequestId: x Version: $LATEST\n"\n',
        "insights-json": json.dumps({"results": [[{"field": "@message", "value": "END RequestId: x\n"},
                                                  {"field": "@timestamp", "value": "2023-12-05 22:14:43.877"}]]}),
        "insights-csv": "@timestamp,@message\n2023-12-05 22:14:43.877,END RequestId: x\n",
        "lambda-insights": json.dumps({"event_type": "performance", "function_name": "f",
                                       "total_memory": 2048, "_aws": {"Timestamp": 1605034324256}}),
    }[name], {
        "text": "its 2 lines: START (1), END (1)",
        "json-log": "its 1 event: platform.start (1)",
        "cloudwatch-json": "its 1 event: START (1)",
        "console-csv": "its 1 row: START (1)",
        "insights-json": "its 1 row: END (1)",
        "insights-csv": "its 1 row: END (1)",
        "lambda-insights": "its 1 event: performance events without a request (1)",
    }[name]
    path = write(tmp_path, empty)
    with pytest.raises(AdvisorError) as caught:
        read_paths([path], function="f")
    message = " ".join(str(caught.value).split())
    assert f"{path} holds no invocation records (read as {name}: " in message
    assert held in message
