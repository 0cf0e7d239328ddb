"""CloudWatch exports: API JSON, subscription payloads, console CSV, Lambda Insights events.

The unit of accounting for these containers is one log event (one row for CSV),
numbered from 1 in file order; rejections name that event number.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from advisor.errors import InputError
from advisor.logs import jsonstream, sniffing
from advisor.logs._base import LogEvent, Parser, ParseResult
from advisor.logs.decoding import (
    csv_rows,
    decode_subscription_data,
    function_from_log_group,
    iso_to_ns,
    iter_json_documents,
)
from advisor.logs.events import EventAssembler
from advisor.logs.tabular import CsvParser
from advisor.units import EPOCH_NS_YEARS, NS_PER_MS, epoch_ms_to_ns

_CONSOLE_COLUMNS = ("timestamp", "message")
#: What each kind of CloudWatch container is called in a detection reason, most telling first.
_CONTAINER_REASONS = (
    (sniffing.AWSLOGS, "a subscription filter's delivery ('awslogs.data': base64 of gzip JSON)"),
    (sniffing.SUBSCRIPTION, "a subscription filter payload ('logEvents' of a log group)"),
    (sniffing.EVENT_LIST, "a filter_log_events / get-log-events response (an 'events' list of "
                          "{timestamp, message})"),
    (sniffing.LOG_EVENT, "CloudWatch log events ({timestamp, message} objects)"),
    (sniffing.MESSAGES, "a JSON list of log messages (as --query 'events[].message' prints them)"),
)

def _event(raw: object, *, stream: str | None) -> LogEvent | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
        return None
    stamp = raw.get("timestamp")
    if isinstance(stamp, str):
        try:
            stamp = iso_to_ns(stamp) // NS_PER_MS
        except ValueError:
            stamp = None
    elif not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
        stamp = None
    log_stream = raw.get("logStreamName") or raw.get("logStream") or stream
    return LogEvent(stamp, raw["message"], log_stream)


class CloudWatchJsonParser(Parser):
    """``filter_log_events`` / ``get-log-events`` JSON and subscription-filter payloads.

    Accepts one document or several concatenated, a bare list of events, and
    subscription payloads (``logGroup``, ``logStream``, ``logEvents``), including
    the ``{"awslogs": {"data": ...}}`` wrapper (base64 + gzip).
    """

    name = "cloudwatch-json"
    description = "filter_log_events / get-log-events JSON, subscription-filter payloads (also gzip+base64)"
    unit = "event"

    def sniff(self, head: str) -> str | None:
        kinds = sniffing.json_kinds(head)
        if kinds is None:
            return None
        return next((reason for kind, reason in _CONTAINER_REASONS if kinds[kind]), None)

    #: The keys of a JSON document this parser reads (a large array under another key may be
    #: read in parts, see advisor/logs/jsonstream.py).
    document_keys = frozenset({"events", "logEvents", "logStream", "logGroup", "logGroupName",
                               "messageType", "message", "awslogs"})

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        for document in iter_json_documents(text, source=source):
            self.add_document(assembler, document, source=source)
        return assembler.result(self.name)

    def feed(self, assembler: EventAssembler, text: TextIO, *, source: str,
             flush: Callable[[], None]) -> None:
        jsonstream.feed_documents(text, source=source, keys=self.document_keys, flush=flush,
                                  add=lambda document: self.add_document(assembler, document, source=source))

    def add_document(self, assembler: EventAssembler, document: object, *, source: str) -> None:
        """Add the events of one decoded JSON document (or of a part of its events)."""
        for payload in _payloads(document, source=source):
            self._add_document(assembler, payload)

    @staticmethod
    def _add_document(assembler: EventAssembler, document: object) -> None:
        events: Any
        stream: str | None
        if isinstance(document, list):
            # A list of messages (--query 'events[].message'): each string is an event's message.
            events = [{"message": item} if isinstance(item, str) else item for item in document]
            stream = None
        elif isinstance(document, dict):
            if document.get("messageType") == "CONTROL_MESSAGE":
                assembler.ignore(kind="subscription control messages")
                return
            events = document.get("events", document.get("logEvents"))
            stream = document.get("logStream") if isinstance(document.get("logStream"), str) else None
            name = function_from_log_group(document.get("logGroup") or document.get("logGroupName"))
            assembler.function = assembler.function or name
            if events is None:
                if "message" in document:
                    events = [document]
                else:
                    assembler.ignore(kind="JSON documents without events")  # {"StatusCode": 200}...
                    return
        else:
            assembler.ignore(kind="JSON values that are not events")
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
            try:
                time_ns = None if event.timestamp_ms is None else epoch_ms_to_ns(event.timestamp_ms)
            except ValueError as exc:
                assembler.reject(line, str(exc))
                continue
            assembler.add(event.message, line=line, time_ns=time_ns, log_stream=event.log_stream)


def _payloads(document: object, *, source: str) -> list[object]:
    if isinstance(document, dict) and isinstance(document.get("awslogs"), dict):
        data = document["awslogs"].get("data")
        if not isinstance(data, str):
            raise InputError(f"{source}: 'awslogs.data' is not a string.",
                             hint="Pass the event a subscription delivered, unmodified.")
        return list(iter_json_documents(decode_subscription_data(data, source=source), source=source))
    return [document]


class ConsoleCsvParser(CsvParser):
    """The CloudWatch console's "Download as CSV": ``timestamp,message`` (epoch ms)."""

    name = "console-csv"
    description = "CloudWatch console CSV download (timestamp,message)"

    def sniff(self, head: str) -> str | None:
        header = sniffing.csv_header(head)
        if header is None or sorted(cell.lower() for cell in header) != sorted(_CONSOLE_COLUMNS):
            return None
        return "the CloudWatch console's CSV download (header cells timestamp and message)"

    lead = "`\ufeff"  # the download starts with a backtick (and a byte order mark)

    def add_rows(self, assembler: EventAssembler, lines: Iterable[str], *, source: str) -> None:
        """Add the rows of the CSV ``lines`` (from the header on, line ends kept)."""
        rows = csv_rows(csv.reader(lines), source=source)
        header = [cell.strip().lower() for cell in next(rows, [])]
        # By the header's names, in whatever order; a forced file without them: Lambda's order.
        order = _CONSOLE_COLUMNS if sorted(header) != sorted(_CONSOLE_COLUMNS) else header
        at_time, at_message = order.index("timestamp"), order.index("message")
        for row in rows:
            line = assembler.lines + 1
            if len(row) != 2:
                assembler.reject(line, f"expected 2 columns (timestamp,message), found {len(row)}")
                continue
            try:
                time_ns = epoch_ms_to_ns(int(row[at_time]))
            except ValueError:
                assembler.reject(line, f"timestamp {row[at_time]!r} is not epoch milliseconds "
                                       f"(of the years {EPOCH_NS_YEARS})")
                continue
            assembler.add(row[at_message], line=line, time_ns=time_ns, log_stream=None)
