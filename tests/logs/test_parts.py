"""Parsers read a file in parts (``Parser.feed``) as they read it whole (``Parser.parse``), wherever
a part ends: inside a pretty-printed record, a broken one, wrapped REPORT fields, a JSON array.

The contract suite (``test_parser_contract.py``) checks it on every format's real samples, in
random layouts and damaged; these files put the records that need the lines after them at
every possible end of a part.
"""

from __future__ import annotations

import io
import json

import pytest

from advisor.logs import LOG_FORMATS, decoding, jsonlog, jsonstream
from advisor.logs import text as text_log
from advisor.logs.events import EventAssembler

from ._samples import sample

REPORT = {"time": "2026-01-05T10:00:06.000Z", "type": "platform.report",
          "record": {"requestId": "p-1", "metrics": {"durationMs": 1.0, "billedDurationMs": 1,
                                                     "memorySizeMB": 128, "maxMemoryUsedMB": 60}}}
PRETTY = json.dumps(REPORT, indent=2)
#: A pretty-printed record that does not decode: judged as one unit up to its closing brace.
BROKEN = PRETTY.replace('"durationMs": 1.0', '"durationMs": 1.0,,')
TEXT = "\n".join([
    sample("S172"), PRETTY, "START RequestId: s-1 Version: $LATEST", BROKEN,
    "2026-01-05T10:00:03.000Z", "REPORT RequestId: wrapped-1", "Duration: 1.00 ms", "  Billed Duration: 1 ms",
    "Memory Size: 128 MB", "Max Memory Used: 60 MB", "@timestamp=2026-01-05 10:00:07.000",
    "@logStream=stream-9", "@message=REPORT RequestId: i-1\tDuration: 2.00 ms\tBilled Duration: 2 ms"
    "\tMemory Size: 128 MB\tMax Memory Used: 60 MB", "{", "not JSON", "}", sample("S172"),
]) + "\r\n"
JSON_LOG = "\n".join([
    sample("S178"), PRETTY, "an extension's plain line", BROKEN, json.dumps([REPORT, REPORT], indent=1),
    "\n".join("    " + line for line in BROKEN.split("\n")),  # runs to the brace at its own indent
    "} " + BROKEN,  # text before it on its line: to the first brace alone on a line
    '{"time": "2026-01-05T10:00:09.000Z", "type": "platform.start", "record": {"requestId": "x", '
    '"version": 12345678', "}", sample("S172"),
])


def _reading(name: str, content: str, *, chars: int | None) -> tuple:
    parser = LOG_FORMATS[name]
    if chars is None:
        result = parser.parse(content, source="f")
    else:
        assembler = EventAssembler("f")
        parser.feed(assembler, io.StringIO(content, newline=""), source="f", flush=lambda: None)
        result = assembler.result(name)
    records = result.records.astype(object)
    return (records.where(records.notna(), None).to_dict("list"), result.rejected, result.counts,
            result.kinds)


@pytest.mark.parametrize(("name", "content"), [("text", TEXT), ("json-log", JSON_LOG)])
@pytest.mark.parametrize("block", [2, 5, 14, 200])
def test_a_part_may_end_anywhere(monkeypatch: pytest.MonkeyPatch, name: str, content: str, block: int):
    for module in (text_log, jsonlog):
        monkeypatch.setattr(module, "_MAX_JSON_BLOCK", block)
    whole = _reading(name, content, chars=None)
    assert whole[0]["request_id"] and (whole[1] or block < 20)  # the broken record rejected, when looked for
    for chars in range(1, len(content) + 2, 7):
        monkeypatch.setattr(decoding, "PART_CHARS", chars)
        assert _reading(name, content, chars=chars) == whole, chars


def test_a_long_json_document_is_read_on_until_it_ends(monkeypatch: pytest.MonkeyPatch):
    """A document longer than many parts is read on until it ends, not judged cut short."""
    batch = json.dumps([{**REPORT, "record": {**REPORT["record"], "requestId": f"p-{i}"}} for i in range(300)],
                       indent=2)
    monkeypatch.setattr(decoding, "PART_CHARS", 100)
    monkeypatch.setattr(jsonstream, "_CHUNK", 100)
    reading = _reading("json-log", batch + "\n", chars=100)
    assert reading[2] == {"lines": 300, "parsed": 300, "ignored": 0, "rejected": 0, "records": 300}
