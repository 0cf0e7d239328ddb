"""Which parser reads a file, decided by its content, and why.

Every parser says what in the head of a file (its first :data:`~advisor.logs.sniffing.HEAD_BYTES`
characters)
shows its format (:meth:`~advisor.logs.Parser.sniff`): JSON keys and values whatever the
layout and key order, CSV header cells in any order, the lines Lambda writes. Formats
overlap (a ``filter_log_events`` export holds REPORT lines; a file of JSON log format
records is also text), so every parser that recognises the file is a candidate, most
specific first (the order of :data:`LOG_PARSERS`). The first candidate that yields records
reads the file; when none does, the first one's result stands, and the no-records message
says which format that was, why, and what the file held instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from advisor.errors import InputError, UsageError
from advisor.logs import sniffing
from advisor.logs._base import Parser, ParseResult
from advisor.logs.exports import CloudWatchJsonParser, ConsoleCsvParser
from advisor.logs.formats import Detection
from advisor.logs.insights import InsightsCsvParser, InsightsJsonParser, LambdaInsightsParser
from advisor.logs.jsonlog import JsonLogParser
from advisor.logs.text import TextParser

#: Log formats, most specific first (text, which also reads JSON lines among text, is last).
LOG_PARSERS: tuple[Parser, ...] = (
    InsightsJsonParser(),
    LambdaInsightsParser(),
    CloudWatchJsonParser(),
    JsonLogParser(),
    ConsoleCsvParser(),
    InsightsCsvParser(),
    TextParser(),
)
LOG_FORMATS: dict[str, Parser] = {parser.name: parser for parser in LOG_PARSERS}
FORCED = "forced with --format"
#: What reading a file gives (:func:`read_detected`).
Read = TypeVar("Read")


def format_names() -> str:
    """The ``--format`` names, comma-separated, for help texts and errors."""
    return ", ".join(LOG_FORMATS)


def forced_parser(format: str) -> Parser:
    """The parser ``--format`` names.

    Raises:
        UsageError: unknown format.
    """
    parser = LOG_FORMATS.get(format)
    if parser is None:
        raise UsageError(f"unknown --format {format!r}.", hint=f"Use one of: {format_names()}.")
    return parser


def candidates(head: str) -> list[tuple[Parser, str]]:
    """Every parser that recognises ``head``, most specific first, with what showed it."""
    found = []
    for parser in LOG_PARSERS:
        reason = parser.sniff(head)
        if reason:
            found.append((parser, reason))
    return found


def parse_text(text: str, *, format: str | None, source: str) -> ParseResult:
    """Parse the decoded text of one file, in the ``format`` forced or the one its content shows.

    Raises:
        UsageError: unknown ``format``.
        InputError: nothing in the file is a format advisor reads, or the chosen parser
            refuses it (invalid JSON, unreadable CSV...).
    """
    head = text[:sniffing.HEAD_BYTES]
    result, detection = read_detected(head, format=format, source=source, whole=len(text) <= len(head),
                                      read=lambda parser: parser.parse(text, source=source),
                                      has_records=lambda result: not result.records.empty)
    result.detections = [detection]
    return result


def read_detected(head: str, *, format: str | None, source: str, whole: bool,
                  read: Callable[[Parser], Read], has_records: Callable[[Read], bool]) -> tuple[Read, Detection]:
    """Read a file with the parser ``format`` names, or else with the parsers that recognise
    its ``head`` in turn (:func:`candidates`) until one finds records in it; say which and why.

    ``read`` reads the whole file with a parser (the text, or in parts); ``has_records`` says
    whether what it read holds records. When no candidate finds any, the first one's reading
    stands. ``whole``: ``head`` is the whole file.

    Raises:
        UsageError: unknown ``format``.
        InputError: no format recognises ``head``; or as ``read``.
    """
    if format is not None:
        parser = forced_parser(format)
        return read(parser), Detection(source, parser.name, FORCED)
    found = candidates(head)
    if not found:
        raise unrecognised(head, source=source, whole=whole)
    first: tuple[Read, Detection] | None = None
    for rank, (parser, reason) in enumerate(found):
        result = read(parser)
        if has_records(result):
            why = reason
            if rank:
                skipped = ", ".join(skipped.name for skipped, _ in found[:rank])
                why = f"{reason}; read as {parser.name} because {skipped} found no records in it"
            return result, Detection(source, parser.name, why)
        if first is None:
            first = result, Detection(source, parser.name, reason)
    assert first is not None  # found is not empty
    return first


def unrecognised(head: str, *, source: str, whole: bool) -> InputError:
    """The error for a file no format recognises, saying what its head is instead."""
    kinds = sniffing.json_kinds(head)
    if kinds is not None and kinds[sniffing.INVOKE_RESPONSE]:
        return InputError(
            f"{source} holds no Lambda log records: it is an 'aws lambda invoke' response, whose "
            f"LogResult (if any) is the base64 of the log's last 4 KB.",
            hint="Import the LogResult value itself (advisor decodes base64), or better the "
                 "function's CloudWatch logs.")
    what = "JSON data of another kind" if kinds is not None else "text"
    where = "it is" if whole else f"its first {sniffing.HEAD_BYTES // 1024} KiB are"
    return InputError(
        f"{source} holds no Lambda log records: {where} {what}, with none "
        f"of the lines Lambda writes (REPORT, START, END, INIT_START...), no JSON log format or "
        f"Telemetry API events; not a CloudWatch export, Logs Insights result (JSON or CSV) or "
        f"Lambda Insights events.",
        hint=f"Is it the log of another service? Pass a Lambda function's logs, or force --format "
             f"({format_names()}).",
    )


def unit_name(result: ParseResult) -> str:
    """What one input unit of ``result`` is ("line", "event", "row")."""
    parser = LOG_FORMATS.get(result.format)
    return parser.unit if parser is not None else "line"


