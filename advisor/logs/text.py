"""Plain-text Lambda logs, as written to CloudWatch and as people copy them.

One physical line is one unit. A line may carry a prefix that this parser reads
and strips: an ISO 8601 time (S3 exports, ``aws logs tail``, console copies,
possibly with a local offset), ``sam logs``' ``<log stream> <time>``, or a bare
``HH:MM:SS`` (no date: the time is left unknown). A line holding only a time
dates the next line (console copies that put time and message on separate lines);
``@timestamp=`` / ``@message=`` rows are Logs Insights console copies.

A ``REPORT`` whose fields a document wrapped onto following lines
(``Duration: ...`` starting a line) is joined back; X-Ray lines after an embedded
newline, START/END/INIT_START/INIT_REPORT/RESTORE_* and application lines are
ignored. LogFormat=JSON lines (``{"time":..., "type":"platform.report", ...}``) among
the text are read by the same assembler; a JSON object spread over several lines (a
console copy pretty-prints them) is one message, in whatever layout. Files made of JSON
documents only are :mod:`advisor.logs.jsonlog`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from advisor.logs import sniffing
from advisor.logs._base import Parser, ParseResult
from advisor.logs.decoding import decode_json_at, iso_to_ns, line_parts
from advisor.logs.events import EventAssembler
from advisor.logs.report import MARKER

_STREAM = r"\d{4}/\d{2}/\d{2}/[^\s\]]*\[[^\]]*\][0-9a-f]{8,}"
#: ``sam logs`` writes ``<stream> <time>``, ``aws logs tail`` ``<time> <stream>``.
_PREFIX_RE = re.compile(
    rf"""[ \t]*
    (?:(?P<stream>{_STREAM})[ \t]+)?
    (?:(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}[T ]\d{{2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)
         (?:[ \t]+(?P<tail_stream>{_STREAM}))?
      |(?P<hms>\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d+)?)(?=[ \t]))?
    [ \t]*""",
    re.X,
)
_CONTINUATION_RE = re.compile(
    r"[ \t]*(?:Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration"
    r"|Restore Duration|Billed Restore Duration|Status|Error Type):"
)
_INSIGHTS_ROW_RE = re.compile(r"@(timestamp|message|logStream|log|ptr|ingestionTime)=(.*)", re.S)
#: A pretty-printed record longer than this many lines is not looked for.
_MAX_JSON_BLOCK = 200


class TextParser(Parser):
    """Plain-text (and JSON-lines) Lambda logs, with or without time prefixes."""

    name = "text"
    description = "plain-text Lambda log lines (REPORT/START/END, JSON-lines platform records, "\
                  "S3 export, aws logs tail, sam logs, console copies)"

    def sniff(self, head: str) -> str | None:
        markers = sniffing.text_markers(head)
        if not markers:
            return None
        return f"lines Lambda writes ({', '.join(markers[:5])}{', ...' if len(markers) > 5 else ''})"

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        feed_lines(assembler, _physical_lines(text))
        return assembler.result(self.name)

    def feed(self, assembler: EventAssembler, text: TextIO, *, source: str,
             flush: Callable[[], None]) -> None:
        state, pending, first_line = LineState(), [], 1
        for part in line_parts(text):
            pending += _physical_lines(part)
            fed = feed_lines(assembler, pending, first_line=first_line, state=state, final=False)
            first_line += fed
            del pending[:fed]
            flush()
        feed_lines(assembler, pending, first_line=first_line, state=state)


def _physical_lines(text: str) -> list[str]:
    """The lines of ``text`` (split at ``\\n``, without their ``\\r\\n`` or ``\\n``; a final line
    end ends the last line, it starts none)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


@dataclass
class LineState:
    """What one line leaves for the next: a time from a time-only line (it dates the next
    line) and the log stream of a Logs Insights ``@logStream=`` row (it names the rest)."""

    pending_time: int | None = None
    pending_stream: str | None = None


def feed_lines(assembler: EventAssembler, lines: list[str], *, first_line: int = 1,
               state: LineState | None = None, final: bool = True) -> int:
    """Feed physical ``lines`` (numbered from ``first_line``) into ``assembler``.

    A file may be fed in parts: pass one ``state`` for all of them and ``final=False`` but for
    the last. A part stops before a line whose record may go on in the next part (wrapped
    REPORT fields, a pretty-printed JSON record); feed the lines from there again with the
    next part. Returns how many of ``lines`` were fed (all of them when ``final``).
    """
    state = LineState() if state is None else state
    pending_time, pending_stream = state.pending_time, state.pending_stream
    index = 0
    total = len(lines)
    # Without the next part, a line this close to the end cannot be told complete.
    last = total if final else total - _MAX_JSON_BLOCK
    while index < last:
        line_no = first_line + index
        raw = lines[index]
        row = _INSIGHTS_ROW_RE.match(raw)
        if row:
            key, value = row.groups()
            if key == "timestamp":
                pending_time = _time(value)
            elif key in ("logStream", "log"):
                pending_stream = value.strip() or None
            if key != "message":
                assembler.ignore(kind="Logs Insights @field= lines")
                index += 1
                continue
            raw = value
        prefix = _PREFIX_RE.match(raw)
        assert prefix is not None  # every part of the prefix is optional: it always matches
        message = raw[prefix.end():]
        time_ns = _time(prefix.group("iso")) if prefix.group("iso") else None
        stream = prefix.group("stream") or prefix.group("tail_stream") or pending_stream
        if not message.strip():
            if time_ns is not None:
                pending_time = time_ns
            assembler.ignore(kind="blank or time-only lines")
            index += 1
            continue
        if time_ns is None:
            time_ns = pending_time
        dated_by, pending_time = pending_time, None
        units = 1
        if message.lstrip().startswith("{") and not message.rstrip().endswith("}"):
            # A JSON record spread over lines (console copies pretty-print them): one message.
            message, units = _json_block(lines, index, message)
        elif MARKER in message:
            while index + units < total and _CONTINUATION_RE.match(lines[index + units]):
                message += "\t" + lines[index + units].strip()
                units += 1
            if not final and index + units == total:
                pending_time = dated_by  # the wrapped fields may go on in the next part:
                break  # this line is fed again with it
        assembler.add(message, line=line_no, time_ns=time_ns, log_stream=stream, units=units)
        index += units
    state.pending_time, state.pending_stream = pending_time, pending_stream
    return index


def _json_block(lines: list[str], start: int, message: str) -> tuple[str, int]:
    """The message of the JSON object that opens with ``message`` (line ``start`` without
    its prefix) and the lines it spans. An object that does not decode runs to the ``}`` at
    the indent it opened with, and is judged (rejected, if a platform record) as one."""
    length = _closing_brace_length(lines, start)
    opening = len(message) - len(message.lstrip())
    for span in dict.fromkeys((length, _MAX_JSON_BLOCK)):
        block = "\n".join([message, *lines[start + 1:start + span]])
        decoded = decode_json_at(block, opening)
        if decoded is not None:
            return block[:decoded[1]], block.count("\n", 0, decoded[1]) + 1
    return "\n".join([message, *lines[start + 1:start + length]]), length


def _closing_brace_length(lines: list[str], start: int) -> int:
    """Lines from ``start`` (an opening ``{``) to the ``}`` at the same indent, or 1 if none."""
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    for end in range(start + 1, min(len(lines), start + _MAX_JSON_BLOCK)):
        if lines[end].rstrip() == indent + "}":
            return end - start + 1
    return 1


def _time(text: str) -> int | None:
    try:
        return iso_to_ns(text)
    except ValueError:
        return None
