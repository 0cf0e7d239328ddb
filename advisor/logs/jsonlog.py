"""Lambda's JSON log format and the Telemetry / Logs API events, as JSON documents.

With ``LogFormat=JSON`` Lambda writes its platform lines as JSON objects
(``{"time": ..., "type": "platform.report", "record": {...}}``) and the runtime writes the
application's lines as JSON too (``{"timestamp", "level", "requestId", "message"}``). The
Telemetry and Logs APIs deliver the same events to extensions, in batches (JSON arrays).
People save them one per line (as CloudWatch stores them and ``--query 'events[].message'``
prints them), pretty-printed, concatenated or as arrays: this parser reads JSON documents
in any layout and key order.

One event (an object, or an item of an array) is one unit; a rejection names the physical
line where its document starts. Text between the documents (an extension's plain line) is
read as a text message, one unit per line, so nothing is skipped unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from advisor.logs import sniffing
from advisor.logs._base import Parser, ParseResult
from advisor.logs.decoding import decode_json_at, json_error_position, line_parts, skip_blank
from advisor.logs.events import EventAssembler

#: A broken pretty-printed object longer than this many lines is taken one line at a time.
_MAX_JSON_BLOCK = 200


class JsonLogParser(Parser):
    """LogFormat=JSON records and Telemetry / Logs API events, in any JSON layout."""

    name = "json-log"
    description = ("Lambda JSON log format records and Telemetry/Logs API events "
                   "(platform.report ...), one per line, pretty-printed or in arrays")
    unit = "event"

    def sniff(self, head: str) -> str | None:
        kinds = sniffing.json_kinds(head)
        if kinds is None or sniffing.is_container(kinds) or kinds[sniffing.INSIGHTS_RESULTS] \
                or kinds[sniffing.PERFORMANCE]:
            return None
        types = sniffing.platform_types(kinds)
        if types:
            shown = ", ".join(types[:4]) + (", ..." if len(types) > 4 else "")
            return f"JSON platform events of Lambda's JSON log format or Telemetry API ({shown})"
        if kinds[sniffing.LAMBDA_APPLICATION]:
            return "application lines of Lambda's JSON log format (timestamp, level, requestId, message)"
        return None

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        _read(assembler, text, begin=0, line=1, final=True)
        return assembler.result(self.name)

    def feed(self, assembler: EventAssembler, text: TextIO, *, source: str,
             flush: Callable[[], None]) -> None:
        pending, begin, line, wanted = "", 0, 1, 0
        for part in line_parts(text):
            pending += part
            if len(pending) < wanted:
                continue  # a long document: read on to twice its length before trying again
            done, line = _read(assembler, pending, begin=begin, line=line, final=False)
            # Kept from the start of its line: a broken record runs to the brace at its indent.
            keep = pending.rfind("\n", 0, done) + 1
            pending, begin = pending[keep:], done - keep
            wanted = 2 * len(pending)
            flush()
        _read(assembler, pending, begin=begin, line=line, final=True)


def _read(assembler: EventAssembler, text: str, *, begin: int, line: int, final: bool) -> tuple[int, int]:
    """Add the events of ``text`` from ``begin`` (numbered line ``line``) to ``assembler``.

    Unless ``final``, ``text`` is a part of a file that goes on (ending at a line end): it
    stops before a unit that the rest of the file may change, a document cut short at its
    end or text that is no JSON near it (a broken record may run to a closing brace up to
    :data:`_MAX_JSON_BLOCK` lines further). Returns where it stopped, and that line.
    """
    index, size = begin, len(text)
    horizon = size if final else _horizon(text)
    while True:
        start = skip_blank(text, index)
        line += text.count("\n", index, start)
        if start >= size:
            return size, line
        decoded = decode_json_at(text, start) if text[start] in "{[" else None
        if decoded is None:
            if start >= horizon or (not final and text[start] in "{[" and _cut_short(text, start)):
                return start, line
            end = _stretch_end(text, start)
            assembler.add(text[start:end], line=line, time_ns=None, log_stream=None)
        else:
            document, end = decoded
            for item in document if isinstance(document, list) else [document]:
                assembler.add_json(item, line=line)
        line += text.count("\n", start, end)
        index = end


def _horizon(text: str) -> int:
    """Where fewer than :data:`_MAX_JSON_BLOCK` whole lines of ``text`` are left after."""
    position = len(text)
    for _ in range(_MAX_JSON_BLOCK + 1):
        position = text.rfind("\n", 0, position)
        if position < 0:
            return 0
    return position


def _cut_short(text: str, start: int) -> bool:
    """Whether the JSON at ``start``, which does not decode, may be cut short by the end of
    ``text`` rather than broken: decoding fails on its last line (a string, a number or a
    bracket there may go on), not before."""
    last_line = text.rfind("\n", 0, len(text) - 1) + 1
    return json_error_position(text, start) >= last_line


def _stretch_end(text: str, start: int) -> int:
    """The end of the text at ``start`` that is not JSON: its line or, for an object that
    does not decode (a broken pretty-printed record), up to its closing brace at the indent
    it opened with, so that it is judged (and rejected) as one event."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    if text[start] != "{" or text[start:line_end].rstrip().endswith("}"):
        return line_end
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start:start]
    closing = (indent if not indent.strip() else "") + "}"
    end = line_end
    for _ in range(_MAX_JSON_BLOCK):
        if end >= len(text):
            break
        next_end = text.find("\n", end + 1)
        next_end = len(text) if next_end < 0 else next_end
        if text[end + 1:next_end].rstrip() == closing:
            return next_end
        end = next_end
    return line_end
