"""From log events to invocation records: the core every Lambda log format feeds.

Each container format (plain text, CloudWatch JSON, CSV, subscription payloads, JSON log
format documents) only decodes its events; :class:`EventAssembler` decides what each
message is: a text ``REPORT`` or JSON ``platform.report`` (a record), a Lambda Insights
``performance`` event (a record), ``platform.runtimeDone`` and ``platform.initReport``
(merged into their request's record), a ``Task timed out`` line (marks its request as a
timeout), or anything else (START/END/INIT_START/application lines: ignored, counted).

Until the first record it also notes what the units were (``START``, ``platform.start``,
application lines...), so that a file without records can be described truthfully.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from advisor.logs._base import LogEvent, ParseResult, Rejection
from advisor.logs.decoding import iso_to_ns
from advisor.logs.records import finish_records, looks_like_emulator
from advisor.logs.report import MARKER, ReportError, parse_report
from advisor.logs.sniffing import is_lambda_event_type
from advisor.record import STATUS_ERROR, STATUS_SUCCESS, STATUS_TIMEOUT
from advisor.units import epoch_ms_to_ns

#: Marker lines of the Runtime Interface Emulator (``(rapid)`` is its runtime API server).
EMULATOR_MARKERS = ("(rapid)",)
#: The first words of Lambda's own text lines that carry no invocation record.
TEXT_KINDS = frozenset({"START", "END", "INIT_START", "INIT_REPORT", "RESTORE_START",
                        "RESTORE_REPORT", "EXTENSION", "TELEMETRY", "XRAY"})
#: What an application line (or anything else Lambda did not write) counts as.
OTHER_KIND = "other lines"
_TIMED_OUT_RE = re.compile(r"(\S+)\s+Task timed out after")
_JSON_STATUS = {"success": STATUS_SUCCESS, "timeout": STATUS_TIMEOUT, "error": STATUS_ERROR,
                "failure": STATUS_ERROR}

#: Columns the assembler collects, in record order (end time as epoch ns).
_FIELDS = ("request_id", "end_ns", "duration_ms", "billed_duration_ms", "memory_mb",
           "max_memory_used_mb", "init_ms", "restore_ms", "billed_restore_ms", "status",
           "error_type", "log_stream")


@dataclass
class EventAssembler:
    """Collects records and the accounting of units from a stream of messages."""

    source: str
    columns: dict[str, list] = field(default_factory=lambda: {k: [] for k in _FIELDS})
    rejected: list[Rejection] = field(default_factory=list)
    lines: int = 0
    parsed: int = 0
    ignored: int = 0
    init_first: bool = False
    emulator_marker: bool = False
    function: str | None = None
    #: Kinds of the units seen before the first record (all of them in a file without one).
    kinds: Counter[str] = field(default_factory=Counter)
    #: Where the last record of each request id is in :attr:`columns`.
    _index: dict[str, int] = field(default_factory=dict)
    #: Whether a record was seen (also one taken out by :meth:`drain`).
    _recorded: bool = False
    _timed_out: set[str] = field(default_factory=set)
    _run_done: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    _init: dict[str | None, float] = field(default_factory=dict)

    def ignore(self, units: int = 1, kind: str = OTHER_KIND) -> None:
        """Count ``units`` of ``kind`` that carry no invocation."""
        self.lines += units
        self.ignored += units
        if not self._recorded:
            self.kinds[kind] += units

    def reject(self, line: int, reason: str, units: int = 1) -> None:
        """Reject ``units`` starting at ``line`` for ``reason`` (one rejection per unit)."""
        self.lines += units
        self.rejected.append(Rejection(self.source, line, reason))
        for extra in range(1, units):
            self.rejected.append(Rejection(self.source, line + extra, f"part of the record at line {line}"))

    def add(self, message: str, *, line: int, time_ns: int | None, log_stream: str | None,
            units: int = 1) -> None:
        """Classify one message spanning ``units`` input units starting at ``line``."""
        if MARKER in message:
            self._add_report(message, line, time_ns, log_stream, units)
            return
        stripped = message.lstrip()
        if stripped.startswith("{") and ('"platform.' in message or (
                '"event_type"' in message and '"performance"' in message)):
            self._add_json_text(stripped, line, time_ns, log_stream, units)
            return
        if "Task timed out after" in message:
            match = _TIMED_OUT_RE.search(message)
            if match:
                self._timed_out.add(match.group(1))
        elif any(marker in message for marker in EMULATOR_MARKERS):
            self.emulator_marker = True
        self.ignore(units, text_kind(stripped) if not self._recorded else OTHER_KIND)

    def add_events(self, events: Iterable[LogEvent], *, first_line: int = 1) -> None:
        """Add CloudWatch events, one unit each, numbered from ``first_line``."""
        for offset, event in enumerate(events):
            try:
                time_ns = None if event.timestamp_ms is None else epoch_ms_to_ns(event.timestamp_ms)
            except ValueError as exc:
                self.reject(first_line + offset, str(exc))
                continue
            self.add(event.message, line=first_line + offset, time_ns=time_ns,
                     log_stream=event.log_stream)

    def add_json(self, event: object, *, line: int, time_ns: int | None = None,
                 log_stream: str | None = None, units: int = 1) -> None:
        """Classify one decoded JSON event: a platform record (LogFormat=JSON, Telemetry or
        Logs API), a Lambda Insights ``performance`` event, or anything else (application
        JSON lines: ignored)."""
        if not isinstance(event, dict):
            self.ignore(units, "JSON values that are not events")
            return
        if event.get("event_type") == "performance":
            self._add_performance(event, line, units)
            return
        kind = str(event.get("type"))
        if not is_lambda_event_type(kind) or not ("record" in event or "time" in event):
            self.ignore(units, "application JSON lines")
            return
        body = event.get("record", {})
        if not isinstance(body, dict):
            self.ignore(units, f"{kind} events")  # function and extension lines: their record is the text
            return
        if time_ns is None and isinstance(event.get("time"), str):
            try:
                time_ns = iso_to_ns(event["time"])
            except ValueError:
                self.reject(line, f"bad 'time' {event['time']!r}", units)
                return
        if kind == "platform.report":
            self._add_json_report(body, line, time_ns, log_stream, units)
        elif kind == "platform.runtimeDone" and isinstance(body.get("requestId"), str):
            status = _JSON_STATUS.get(str(body.get("status", "")).lower(), STATUS_ERROR)
            self._run_done[body["requestId"]] = (status, body.get("errorType"))
            self._merged(units, kind)
        elif kind == "platform.initReport" and body.get("phase", "init") == "init":
            metrics = body.get("metrics") or {}
            if isinstance(metrics.get("durationMs"), (int, float)):
                self._init[log_stream] = float(metrics["durationMs"])
            self._merged(units, kind)
        else:
            self.ignore(units, kind)

    def add_record(self, values: dict, *, units: int = 1) -> None:
        """Append one complete record (keys of ``_FIELDS``; missing ones are null)."""
        self._index[values["request_id"]] = len(self.columns["request_id"])
        self._recorded = True
        for key in _FIELDS:
            self.columns[key].append(values.get(key))
        self.lines += units
        self.parsed += units

    def _merged(self, units: int, kind: str) -> None:
        """Count ``units`` whose values go into a later record (they are parsed, not ignored)."""
        self.lines += units
        self.parsed += units
        if not self._recorded:
            self.kinds[kind] += units

    def _add_report(self, message: str, line: int, time_ns: int | None,
                    log_stream: str | None, units: int) -> None:
        try:
            report = parse_report(message)
        except ReportError as exc:
            self.reject(line, str(exc), units)
            return
        self.init_first = self.init_first or report.init_first
        values = dict(report.__dict__, end_ns=time_ns, log_stream=log_stream)
        self.add_record(values, units=units)

    def _add_json_text(self, text: str, line: int, time_ns: int | None,
                       log_stream: str | None, units: int) -> None:
        try:
            event = json.loads(text)
        except ValueError:
            what = "Lambda Insights performance event" if '"performance"' in text else "JSON platform record"
            self.reject(line, f"unreadable {what}", units)
            return
        self.add_json(event, line=line, time_ns=time_ns, log_stream=log_stream, units=units)

    def _add_performance(self, event: dict, line: int, units: int) -> None:
        try:
            values = performance_values(event)
        except (ValueError, TypeError) as exc:
            self.reject(line, f"performance event: {exc}", units)
            return
        if values is None:
            self.ignore(units, "performance events without a request")
            return
        name = values.pop("function")
        self.function = self.function or (name if isinstance(name, str) else None)
        self.add_record(values, units=units)

    def _add_json_report(self, body: dict, line: int, time_ns: int | None,
                         log_stream: str | None, units: int) -> None:
        metrics = body.get("metrics")
        request_id = body.get("requestId")
        if not isinstance(metrics, dict) or not isinstance(request_id, str):
            self.reject(line, "platform.report without requestId or metrics", units)
            return
        try:
            duration = _number(metrics, "durationMs", float)
            if duration is None:
                raise ValueError("platform.report without metrics.durationMs")
            values = {
                "request_id": request_id,
                "end_ns": time_ns,
                "duration_ms": duration,
                "billed_duration_ms": _number(metrics, "billedDurationMs", int),
                "memory_mb": _number(metrics, "memorySizeMB", int),
                "max_memory_used_mb": _number(metrics, "maxMemoryUsedMB", int),
                "init_ms": _number(metrics, "initDurationMs", float),
                "restore_ms": _number(metrics, "restoreDurationMs", float),
                "billed_restore_ms": _number(metrics, "billedRestoreDurationMs", int),
                "log_stream": log_stream,
            }
        except ValueError as exc:
            self.reject(line, str(exc), units)
            return
        pending_init = self._init.pop(log_stream, None)
        if values["init_ms"] is None:
            values["init_ms"] = pending_init
        done_status, done_error = self._run_done.pop(request_id, (None, None))
        status_text = body.get("status")
        if isinstance(status_text, str):
            values["status"] = _JSON_STATUS.get(status_text.lower(), STATUS_ERROR)
        else:
            values["status"] = done_status or STATUS_SUCCESS
        values["error_type"] = body.get("errorType") or done_error
        self.add_record(values, units=units)

    def drain(self) -> dict[str, list]:
        """Take out the records collected so far (for parsing a large file in parts).

        Everything else stays: counts, rejections, pending ``platform.runtimeDone`` and
        ``platform.initReport`` records, and :attr:`timed_out`, which the caller applies to
        the records it took out (as :meth:`result` does to the records it holds).
        """
        columns, self.columns = self.columns, {key: [] for key in _FIELDS}
        self._index = {}
        return columns

    @property
    def timed_out(self) -> frozenset[str]:
        """Request ids a ``Task timed out`` line named."""
        return frozenset(self._timed_out)

    def result(self, format_name: str) -> ParseResult:
        """The records and accounting collected so far."""
        cols = self.columns
        for request_id in self._timed_out:
            index = self._index.get(request_id)
            if index is not None and cols["status"][index] == STATUS_SUCCESS:
                cols["status"][index] = STATUS_TIMEOUT
        frame = finish_records(cols, function=self.function or "")
        emulator = self.emulator_marker or looks_like_emulator(frame, init_first=self.init_first)
        return ParseResult(frame, self.rejected, self.lines, self.parsed, self.ignored,
                           format_name, function=self.function, emulator=emulator,
                           kinds=dict(self.kinds) if frame.empty else {})


def text_kind(message: str) -> str:
    """What a text line that is no record is: its first word when Lambda writes such lines
    (``START``, ``INIT_START``...), else :data:`OTHER_KIND`."""
    word = message[:16].split(" ", 1)[0]
    return word if word in TEXT_KINDS else OTHER_KIND


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
        "end_ns": epoch_ms_to_ns(stamp) if isinstance(stamp, (int, float)) and not isinstance(
            stamp, bool) else None,
        "duration_ms": float(event["duration"]),
        "billed_duration_ms": _whole(event.get("billed_duration")),
        "memory_mb": _whole(event.get("total_memory")),
        "max_memory_used_mb": _whole(event.get("used_memory_max")),
        "init_ms": float(event["init_duration"]) if cold and "init_duration" in event else None,
        "status": STATUS_TIMEOUT if event.get("timeout") else STATUS_SUCCESS,
        "function": event.get("function_name"),
    }


def _whole(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def _number(metrics: dict, key: str, kind: type) -> float | int | None:
    value = metrics.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"metrics.{key} is not a number: {value!r}")
    if kind is int and value != int(value):
        raise ValueError(f"metrics.{key} is not a whole number: {value!r}")
    return kind(value)
