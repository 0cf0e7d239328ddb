"""From log events to invocation records: the core every Lambda log format feeds.

Each container format (plain text, CloudWatch JSON, CSV, subscription payloads)
only decodes its events; :class:`EventAssembler` decides what each message is:
a text ``REPORT`` or JSON ``platform.report`` (a record), ``platform.runtimeDone``
and ``platform.initReport`` (merged into their request's record), a
``Task timed out`` line (marks its request as a timeout), or anything else
(START/END/INIT_START/application lines: ignored, counted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from advisor import record
from advisor.logs._base import LogEvent, ParseResult, Rejection
from advisor.logs.report import EMULATOR_MEMORY_MB, MARKER, ReportError, parse_report
from advisor.record import STATUS_ERROR, STATUS_SUCCESS, STATUS_TIMEOUT

#: Marker lines of the Runtime Interface Emulator (``(rapid)`` is its runtime API server).
EMULATOR_MARKERS = ("(rapid)",)
_TIMED_OUT_RE = re.compile(r"(\S+)\s+Task timed out after")
_JSON_STATUS = {"success": STATUS_SUCCESS, "timeout": STATUS_TIMEOUT, "error": STATUS_ERROR,
                "failure": STATUS_ERROR}
_NS_PER_MS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: Columns the assembler collects, in record order (end time as epoch ns).
_FIELDS = ("request_id", "end_ns", "duration_ms", "billed_duration_ms", "memory_mb",
           "max_memory_used_mb", "init_ms", "restore_ms", "billed_restore_ms", "status",
           "error_type", "log_stream")


def iso_to_ns(text: str) -> int:
    """Epoch nanoseconds of an ISO 8601 time; no zone means UTC.

    Raises:
        ValueError: not an ISO 8601 time.
    """
    value = datetime.fromisoformat(text.strip().replace(",", "."))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


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
    _index: dict[str, int] = field(default_factory=dict)
    _timed_out: set[str] = field(default_factory=set)
    _run_done: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    _init: dict[str | None, float] = field(default_factory=dict)

    def ignore(self, units: int = 1) -> None:
        """Count ``units`` that carry no invocation."""
        self.lines += units
        self.ignored += units

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
        if stripped.startswith("{") and '"event_type"' in message and '"performance"' in message:
            self._add_performance(stripped, line, units)
            return
        if stripped.startswith("{") and '"platform.' in message:
            self._add_platform_json(stripped, line, time_ns, log_stream, units)
            return
        if "Task timed out after" in message:
            match = _TIMED_OUT_RE.search(message)
            if match:
                self._timed_out.add(match.group(1))
        elif any(marker in message for marker in EMULATOR_MARKERS):
            self.emulator_marker = True
        self.ignore(units)

    def add_events(self, events: Iterable[LogEvent], *, first_line: int = 1) -> None:
        """Add CloudWatch events, one unit each, numbered from ``first_line``."""
        for offset, event in enumerate(events):
            time_ns = None if event.timestamp_ms is None else int(event.timestamp_ms) * _NS_PER_MS
            self.add(event.message, line=first_line + offset, time_ns=time_ns,
                     log_stream=event.log_stream)

    def add_record(self, values: dict, *, units: int = 1) -> None:
        """Append one complete record (keys of ``_FIELDS``; missing ones are null)."""
        self._index[values["request_id"]] = len(self.columns["request_id"])
        for key in _FIELDS:
            self.columns[key].append(values.get(key))
        self.lines += units
        self.parsed += units

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

    def _add_performance(self, text: str, line: int, units: int) -> None:
        from advisor.logs.insights import add_performance_event  # insights builds on this module

        try:
            event = json.loads(text)
        except ValueError:
            self.reject(line, "unreadable Lambda Insights performance event", units)
            return
        add_performance_event(self, event)

    def _add_platform_json(self, text: str, line: int, time_ns: int | None,
                           log_stream: str | None, units: int) -> None:
        try:
            event = json.loads(text)
            kind = event["type"]
            body = event.get("record") or {}
        except (ValueError, KeyError, TypeError, AttributeError):
            self.reject(line, "unreadable JSON platform record", units)
            return
        if not isinstance(body, dict):
            self.ignore(units)
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
            self.lines += units
            self.parsed += units
        elif kind == "platform.initReport" and body.get("phase", "init") == "init":
            metrics = body.get("metrics") or {}
            if isinstance(metrics.get("durationMs"), (int, float)):
                self._init[log_stream] = float(metrics["durationMs"])
            self.lines += units
            self.parsed += units
        else:
            self.ignore(units)

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
                           format_name, function=self.function, emulator=emulator)


def _number(metrics: dict, key: str, kind: type) -> float | int | None:
    value = metrics.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"metrics.{key} is not a number: {value!r}")
    if kind is int and value != int(value):
        raise ValueError(f"metrics.{key} is not a whole number: {value!r}")
    return kind(value)


def finish_records(columns: dict[str, list] | pd.DataFrame, *, function: str,
                   repeats: bool | None = None) -> pd.DataFrame:
    """Build the record table from collected columns (``end_ns`` as epoch ns).

    ``start_time = end_time - duration - init``. A request id seen again with
    different numbers (Lambda keeps the id across async retries) gets ``#2``,
    ``#3``... in order of appearance, so each invocation keeps its own row.
    ``repeats`` says whether any request id occurs twice when the caller already
    knows (None: find out here).
    """
    if not isinstance(columns, pd.DataFrame):
        # Epoch ns exceed float precision: keep them integers (a list with None would be float).
        columns = dict(columns, end_ns=pd.array(columns["end_ns"], dtype="Int64"))
        frame = pd.DataFrame(columns)
    else:
        frame = columns
    end_ns = pd.array(frame["end_ns"], dtype="Int64")
    missing = end_ns.isna()
    end = end_ns.to_numpy(dtype="int64", na_value=0)
    elapsed_ms = frame["duration_ms"].to_numpy(dtype="float64") + np.nan_to_num(
        frame["init_ms"].to_numpy(dtype="float64", na_value=np.nan))
    start = end - np.round(elapsed_ms * _NS_PER_MS).astype("int64")
    out = frame.drop(columns=["end_ns"]).assign(
        function=repeat_string(function, len(frame)),
        end_time=_utc(end, missing),
        start_time=_utc(start, missing),
    )
    if _has_repeats(out["request_id"]) if repeats is None else repeats:
        out = settle_repeats(out)
    return record.conform(out.reset_index(drop=True))


def settle_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """Records with repeated request ids settled: copies dropped, retries numbered.

    The same event copied twice (console dumps show each record pretty and raw) is one
    invocation; the same id with other numbers is a retry and keeps its own row, as
    ``ID#2``, ``ID#3``... in order of appearance.
    """
    out = frame[~_content_key(frame).duplicated()].copy()
    out["request_id"] = _number_retries(out)
    return out.reset_index(drop=True)


def repeat_string(value: str | None, n: int) -> pd.api.extensions.ExtensionArray:
    """A record string column of ``n`` copies of ``value`` (None: nulls), built in Arrow.

    A Python list of ``n`` strings costs about 0.1 s per 600,000 rows; this does not.
    """
    values = pa.nulls(n, pa.string()) if value is None else pa.repeat(pa.scalar(value, pa.string()), n)
    return pd.array(values, dtype=record.DTYPES["function"])


def _utc(ns: np.ndarray, missing: np.ndarray) -> pd.DatetimeIndex:
    """UTC timestamps of epoch ``ns`` (NaT where ``missing``), without a per-value loop."""
    values = ns.astype("datetime64[ns]")
    values[missing] = np.datetime64("NaT")
    return pd.DatetimeIndex(values).tz_localize("UTC")


def _has_repeats(ids: pd.Series) -> bool:
    values = ids.array
    # Arrow-backed strings convert without a copy; anything else goes through Python objects.
    array = pa.array(values) if hasattr(values, "__arrow_array__") else pa.array(
        ids.astype(object), from_pandas=True)
    return len(pc.unique(array)) != len(array)


#: What a record's content is, for telling copies of one event from retries of its request.
CONTENT = ("request_id", "end_time", "duration_ms", "billed_duration_ms", "memory_mb",
           "max_memory_used_mb", "init_ms", "restore_ms", "status", "error_type", "log_stream")


def _content_key(frame: pd.DataFrame) -> pd.Series:
    return frame[list(CONTENT)].astype("string").fillna("\0").agg("\x1f".join, axis=1)


def _number_retries(frame: pd.DataFrame) -> pd.Series:
    """``#2``, ``#3``... on later rows of a repeated request id (rows are distinct)."""
    ids = frame["request_id"].astype("string")
    number = ids.groupby(ids).cumcount() + 1
    return ids.where(number <= 1, ids + "#" + number.astype(str))


def looks_like_emulator(frame: pd.DataFrame, *, init_first: bool) -> bool:
    """True when every record reports Max Memory Used = Memory Size and it has RIE traits.

    Real Lambda logs reach Max Memory Used = Memory Size only on out-of-memory or
    near it; the emulator reports it on every request, and puts ``Init Duration``
    first or uses its 3008 MB default.
    """
    if frame.empty:
        return False
    memory = frame["memory_mb"]
    used = frame["max_memory_used_mb"]
    known = memory.notna() & used.notna()
    if not known.any() or not (used[known] == memory[known]).all():
        return False
    return init_first or bool((memory[known] == EMULATOR_MEMORY_MB).any())
