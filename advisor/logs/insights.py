"""CloudWatch Logs Insights results and Lambda Insights performance events.

Logs Insights returns every value as a string, and the REPORT fields it
discovers in bytes written as MB x 10^6 (``@memorySize`` = ``1.28E8`` for 128 MB).
When a row carries ``@message`` the exact REPORT text is parsed instead.
Lambda Insights writes one EMF ``performance`` event per invocation to
``/aws/lambda-insights`` with integer ms and MB fields.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from advisor.logs._base import Parser, ParseResult
from advisor.logs.events import EventAssembler, iso_to_ns
from advisor.logs.exports import csv_rows, function_from_log_group, iter_json_documents
from advisor.record import STATUS_SUCCESS, STATUS_TIMEOUT

#: Logs Insights writes memory fields as MB x 10^6 bytes.
_BYTES_PER_MB = 1_000_000


class InsightsJsonParser(Parser):
    """``aws logs get-query-results`` / ``GetQueryResults`` JSON."""

    name = "insights-json"
    description = "Logs Insights GetQueryResults JSON (rows of {field, value})"

    def sniff(self, head: str) -> bool:
        return '"field"' in head and '"value"' in head and "@" in head

    #: The keys of a JSON document this parser reads (see CloudWatchJsonParser).
    document_keys = frozenset({"results"})

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        for document in iter_json_documents(text, source=source):
            self.add_document(assembler, document, source=source)
        return assembler.result(self.name)

    def add_document(self, assembler: EventAssembler, document: object, *, source: str) -> None:
        """Add the result rows of one decoded JSON document (or of a part of its rows)."""
        rows = document.get("results") if isinstance(document, dict) else document
        if not isinstance(rows, list):
            assembler.ignore()
            return
        for row in rows:
            if isinstance(row, list) and all(isinstance(c, dict) for c in row):
                fields = {str(c.get("field")): "" if c.get("value") is None else str(c.get("value"))
                          for c in row}
                add_insights_row(assembler, fields)
            else:
                assembler.reject(assembler.lines + 1, "result row is not a list of {field, value}")


class InsightsCsvParser(Parser):
    """Logs Insights results exported from the console as CSV (``@``-prefixed header)."""

    name = "insights-csv"
    description = "Logs Insights console CSV export (@timestamp,@message,... or @requestId,@duration,...)"

    def sniff(self, head: str) -> bool:
        first = head.lstrip("\ufeff").split("\n", 1)[0]
        return first.startswith(("@", '"@')) and "," in first

    #: Leading characters an export may start with before its header.
    lead = "\ufeff"

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        self.add_rows(assembler, io.StringIO(text.lstrip(self.lead), newline=""), source=source)
        return assembler.result(self.name)

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
        assembler.ignore()
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
    return int(round(value))


def performance_values(event: dict) -> dict | None:
    """Record values of one Lambda Insights ``performance`` event, or None if it has no request.

    Raises:
        ValueError: a field has the wrong type.
    """
    request_id = event.get("request_id")
    if not isinstance(request_id, str) or "duration" not in event:
        return None  # managed-instance events summarise an instance, not an invocation
    aws = event.get("_aws")
    stamp = aws.get("Timestamp") if isinstance(aws, dict) else None
    cold = bool(event.get("cold_start"))
    return {
        "request_id": request_id,
        "end_ns": int(stamp) * 1_000_000 if isinstance(stamp, (int, float)) and not isinstance(
            stamp, bool) else None,
        "duration_ms": float(event["duration"]),
        "billed_duration_ms": _int(event.get("billed_duration")),
        "memory_mb": _int(event.get("total_memory")),
        "max_memory_used_mb": _int(event.get("used_memory_max")),
        "init_ms": float(event["init_duration"]) if cold and "init_duration" in event else None,
        "status": STATUS_TIMEOUT if event.get("timeout") else STATUS_SUCCESS,
        "function": event.get("function_name"),
    }


def _int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


class LambdaInsightsParser(Parser):
    """Lambda Insights ``performance`` events (EMF JSON), raw or one per line."""

    name = "lambda-insights"
    description = "Lambda Insights performance events (/aws/lambda-insights EMF JSON)"

    def sniff(self, head: str) -> bool:
        return '"event_type"' in head and '"performance"' in head and '"events"' not in head

    #: An event document is read whole (only a list of events may be read in parts).
    document_keys = None

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        for document in iter_json_documents(text, source=source):
            self.add_document(assembler, document, source=source)
        return assembler.result(self.name)

    def add_document(self, assembler: EventAssembler, document: object, *, source: str) -> None:
        """Add the events of one decoded JSON document (or of a part of a list of them)."""
        for item in document if isinstance(document, list) else [document]:
            add_performance_event(assembler, item)


def add_performance_event(assembler: EventAssembler, event: object) -> None:
    """Add one Lambda Insights event (already decoded) to ``assembler``."""
    line = assembler.lines + 1
    if not isinstance(event, dict) or event.get("event_type") != "performance":
        assembler.ignore()
        return
    try:
        values = performance_values(event)
    except (ValueError, TypeError) as exc:
        assembler.reject(line, f"performance event: {exc}")
        return
    if values is None:
        assembler.ignore()
        return
    name = values.pop("function")
    assembler.function = assembler.function or (name if isinstance(name, str) else None)
    assembler.add_record(values)
