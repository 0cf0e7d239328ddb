"""CloudWatch exports: API JSON, subscription payloads, console CSV, Lambda Insights events.

The unit of accounting for these containers is one log event (one row for CSV),
numbered from 1 in file order; rejections name that event number.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator

from advisor.errors import InputError
from advisor.logs._base import LogEvent, Parser, ParseResult
from advisor.logs.events import EventAssembler, iso_to_ns

_LOG_GROUP_RE = re.compile(r"^/aws/lambda/(?P<name>[^/\s]+)$")


def function_from_log_group(log_group: object) -> str | None:
    """``NAME`` of a ``/aws/lambda/NAME`` log group, else None."""
    if not isinstance(log_group, str):
        return None
    match = _LOG_GROUP_RE.match(log_group.strip())
    return match.group("name") if match else None


def iter_json_documents(text: str, *, source: str) -> Iterator[object]:
    """Yield every JSON document in ``text`` (one, several concatenated, or JSON lines).

    Raises:
        InputError: the text is not JSON at some position.
    """
    decoder = json.JSONDecoder()
    index, size = 0, len(text)
    while True:
        while index < size and text[index].isspace():
            index += 1
        if index >= size:
            return
        try:
            document, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}).",
                hint="Check the file is a complete export, or pass --format to read it as another format.",
            ) from None
        yield document


def _event(raw: object, *, stream: str | None) -> LogEvent | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
        return None
    stamp = raw.get("timestamp")
    if isinstance(stamp, str):
        try:
            stamp = iso_to_ns(stamp) // 1_000_000
        except ValueError:
            stamp = None
    elif not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
        stamp = None
    log_stream = raw.get("logStreamName") or raw.get("logStream") or stream
    return LogEvent(None if stamp is None else int(stamp), raw["message"], log_stream)


class CloudWatchJsonParser(Parser):
    """``filter_log_events`` / ``get-log-events`` JSON and subscription-filter payloads.

    Accepts one document or several concatenated, a bare list of events, and
    subscription payloads (``logGroup``, ``logStream``, ``logEvents``), including
    the ``{"awslogs": {"data": ...}}`` wrapper (base64 + gzip).
    """

    name = "cloudwatch-json"
    description = "filter_log_events / get-log-events JSON, subscription-filter payloads (also gzip+base64)"

    def sniff(self, head: str) -> bool:
        start = head.lstrip()[:1]
        return start in "[{" and bool(start) and any(
            key in head for key in ('"events"', '"logEvents"', '"awslogs"', '"message"'))

    #: The keys of a JSON document this parser reads (a large array under another key may be
    #: read in parts, see advisor/logs/jsonstream.py).
    document_keys = frozenset({"events", "logEvents", "logStream", "logGroup", "logGroupName",
                               "messageType", "message", "awslogs"})

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        for document in iter_json_documents(text, source=source):
            self.add_document(assembler, document, source=source)
        return assembler.result(self.name)

    def add_document(self, assembler: EventAssembler, document: object, *, source: str) -> None:
        """Add the events of one decoded JSON document (or of a part of its events)."""
        for payload in _payloads(document, source=source):
            self._add_document(assembler, payload)

    @staticmethod
    def _add_document(assembler: EventAssembler, document: object) -> None:
        if isinstance(document, list):
            events, stream = document, None
        elif isinstance(document, dict):
            if document.get("messageType") == "CONTROL_MESSAGE":
                assembler.ignore()
                return
            events = document.get("events", document.get("logEvents"))
            stream = document.get("logStream") if isinstance(document.get("logStream"), str) else None
            name = function_from_log_group(document.get("logGroup") or document.get("logGroupName"))
            assembler.function = assembler.function or name
            if events is None:
                if "message" in document:
                    events = [document]
                else:
                    assembler.ignore()  # e.g. the {"StatusCode": 200} of `aws lambda invoke`
                    return
        else:
            assembler.ignore()
            return
        if not isinstance(events, list):
            assembler.reject(assembler.lines + 1, "'events' is not a list")
            return
        for raw in events:
            event = _event(raw, stream=stream)
            line = assembler.lines + 1
            if event is None:
                assembler.reject(line, "event without a 'message' string")
                continue
            time_ns = None if event.timestamp_ms is None else event.timestamp_ms * 1_000_000
            assembler.add(event.message, line=line, time_ns=time_ns, log_stream=event.log_stream)


def _payloads(document: object, *, source: str) -> list[object]:
    if isinstance(document, dict) and isinstance(document.get("awslogs"), dict):
        from advisor.logs.reader import decode_subscription_data

        data = document["awslogs"].get("data")
        if not isinstance(data, str):
            raise InputError(f"{source}: 'awslogs.data' is not a string.",
                             hint="Pass the event a subscription delivered, unmodified.")
        return list(iter_json_documents(decode_subscription_data(data, source=source), source=source))
    return [document]


def csv_rows(rows: Iterator, *, source: str, skip_header: bool = False) -> Iterator:
    """Rows of a csv reader, with CSV syntax errors as :class:`InputError`."""
    try:
        if skip_header:
            next(rows, None)
        yield from rows
    except csv.Error as exc:
        raise InputError(f"{source}: not readable as CSV ({exc}).",
                         hint="Pass the export as downloaded, or force another --format.") from None


class ConsoleCsvParser(Parser):
    """The CloudWatch console's "Download as CSV": ``timestamp,message`` (epoch ms)."""

    name = "console-csv"
    description = "CloudWatch console CSV download (timestamp,message)"

    def sniff(self, head: str) -> bool:
        first = head.lstrip("`\ufeff").split("\n", 1)[0].strip().lower()
        return first.replace('"', "") == "timestamp,message"

    #: Leading characters the CSV download starts with before its header.
    lead = "`\ufeff"

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        self.add_rows(assembler, io.StringIO(text.lstrip(self.lead), newline=""), source=source)
        return assembler.result(self.name)

    def add_rows(self, assembler: EventAssembler, lines: Iterable[str], *, source: str) -> None:
        """Add the rows of the CSV ``lines`` (from the header on, line ends kept)."""
        reader = csv.reader(lines)
        for row in csv_rows(reader, source=source, skip_header=True):
            line = assembler.lines + 1
            if len(row) != 2:
                assembler.reject(line, f"expected 2 columns (timestamp,message), found {len(row)}")
                continue
            try:
                time_ns = int(row[0]) * 1_000_000
            except ValueError:
                assembler.reject(line, f"timestamp {row[0]!r} is not epoch milliseconds")
                continue
            assembler.add(row[1], line=line, time_ns=time_ns, log_stream=None)
