"""CloudWatch Logs Insights results and Lambda Insights performance events.

Logs Insights returns every value as a string, and the REPORT fields it
discovers in bytes written as MB x 10^6 (``@memorySize`` = ``1.28E8`` for 128 MB).
When a row carries ``@message`` the exact REPORT text is parsed instead.
Lambda Insights writes one EMF ``performance`` event per invocation to
``/aws/lambda-insights`` with integer ms and MB fields.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import TextIO

from advisor.logs import jsonstream, sniffing
from advisor.logs._base import Parser, ParseResult
from advisor.logs.decoding import (
    csv_rows,
    function_from_log_group,
    iso_to_ns,
    iter_json_documents,
)
from advisor.logs.events import EventAssembler
from advisor.logs.tabular import CsvParser
from advisor.record import STATUS_SUCCESS

#: Logs Insights writes memory fields as MB x 10^6 bytes.
_BYTES_PER_MB = 1_000_000


class InsightsJsonParser(Parser):
    """``aws logs get-query-results`` / ``GetQueryResults`` JSON."""

    name = "insights-json"
    description = "Logs Insights GetQueryResults JSON (rows of {field, value})"
    unit = "row"

    def sniff(self, head: str) -> str | None:
        kinds = sniffing.json_kinds(head)
        if kinds is None or not kinds[sniffing.INSIGHTS_RESULTS]:
            return None
        return "Logs Insights query results (rows of {field, value} cells)"

    #: The keys of a JSON document this parser reads (see CloudWatchJsonParser).
    document_keys = frozenset({"results"})

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
        """Add the result rows of one decoded JSON document (or of a part of its rows)."""
        rows = document.get("results") if isinstance(document, dict) else document
        if not isinstance(rows, list):
            assembler.ignore(kind="JSON documents without results")
            return
        for row in rows:
            if isinstance(row, list) and all(isinstance(c, dict) for c in row):
                fields = {str(c.get("field")): "" if c.get("value") is None else str(c.get("value"))
                          for c in row}
                add_insights_row(assembler, fields)
            else:
                assembler.reject(assembler.lines + 1, "result row is not a list of {field, value}")


class InsightsCsvParser(CsvParser):
    """Logs Insights results exported from the console as CSV (``@``-prefixed header)."""

    name = "insights-csv"
    description = "Logs Insights console CSV export (@timestamp,@message,... or @requestId,@duration,...)"

    def sniff(self, head: str) -> str | None:
        header = sniffing.csv_header(head)
        if not header or not all(cell.startswith("@") for cell in header):
            return None
        if not {"@message", "@duration"} & set(header):
            return None
        return f"a Logs Insights CSV export (header {', '.join(header[:4])}{', ...' if len(header) > 4 else ''})"

    lead = "\ufeff"

    def add_rows(self, assembler: EventAssembler, lines: Iterable[str], *, source: str) -> None:
        """Add the rows of the CSV ``lines`` (from the header on, line ends kept)."""
        for row in csv_rows(csv.DictReader(lines), source=source):
            add_insights_row(assembler, row)


def add_insights_row(assembler: EventAssembler, fields: dict) -> None:
    """Add one Logs Insights result row (all values strings) to ``assembler``."""
    line = assembler.lines + 1
    try:
        time_ns = iso_to_ns(fields["@timestamp"]) if fields.get("@timestamp") else None
    except ValueError:
        assembler.reject(line, f"bad @timestamp {fields.get('@timestamp')!r}")
        return
    stream = fields.get("@logStream") or None
    name = function_from_log_group(fields.get("@log", "").partition(":")[2] or fields.get("@logGroup"))
    assembler.function = assembler.function or name
    message = fields.get("@message")
    if message:
        assembler.add(message, line=line, time_ns=time_ns, log_stream=stream)
        return
    if not fields.get("@requestId") or not fields.get("@duration"):
        assembler.ignore(kind="rows without @message or @requestId and @duration")
        return
    try:
        values = {
            "request_id": fields["@requestId"],
            "end_ns": time_ns,
            "duration_ms": float(fields["@duration"]),
            "billed_duration_ms": _whole(fields.get("@billedDuration"), 1),
            "memory_mb": _whole(fields.get("@memorySize"), _BYTES_PER_MB),
            "max_memory_used_mb": _whole(fields.get("@maxMemoryUsed"), _BYTES_PER_MB),
            "init_ms": float(fields["@initDuration"]) if fields.get("@initDuration") else None,
            "status": STATUS_SUCCESS,
            "log_stream": stream,
        }
    except ValueError as exc:
        assembler.reject(line, str(exc))
        return
    assembler.add_record(values)


def _whole(text: str | None, scale: int) -> int | None:
    if text is None or text == "":
        return None
    value = float(text) / scale
    if abs(value - round(value)) > 1e-6:
        raise ValueError(f"{text!r} is not a whole number of {'MB' if scale > 1 else 'ms'}")
    return round(value)


class LambdaInsightsParser(Parser):
    """Lambda Insights ``performance`` events (EMF JSON), raw or one per line."""

    name = "lambda-insights"
    description = "Lambda Insights performance events (/aws/lambda-insights EMF JSON)"
    unit = "event"

    def sniff(self, head: str) -> str | None:
        kinds = sniffing.json_kinds(head)
        if kinds is None or not kinds[sniffing.PERFORMANCE] or sniffing.is_container(kinds):
            return None
        return "Lambda Insights performance events (objects with event_type 'performance')"

    #: An event document is read whole (only a list of events may be read in parts).
    document_keys = None

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
        """Add the events of one decoded JSON document (or of a part of a list of them)."""
        for item in document if isinstance(document, list) else [document]:
            assembler.add_json(item, line=assembler.lines + 1)
