"""Lambda's log lines for local invocations: START, END and REPORT in the exact text format.

The REPORT line matches what Lambda's managed Python runtime writes today (see
``shared/data/lambda-logs/01_text_REPORT_lines.txt``, samples S121-S131): tab-separated
``Key: value unit`` fields, two decimals for durations, whole MB and whole billed ms;
a successful invocation's line ends with a tab, a failed one ends with its
``Status``/``Error Type`` fields. Each event goes to the log file as one line in the
``sam logs`` layout (sample S149): ``<log stream> <UTC time, microseconds> <message>``,
so the file carries the execution environment and the time of every event.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.errors import InputError
from advisor.record import STATUS_SUCCESS

VERSION = "$LATEST"
#: Stands in for Lambda's runtime version in INIT_START lines (this is not an AWS runtime).
RUNTIME_VERSION = "python:3.advisor-local"


def new_log_stream(now: datetime) -> str:
    """A log stream name shaped like Lambda's: ``YYYY/MM/DD/[$LATEST]<32 hex>``."""
    return f"{now:%Y/%m/%d}/[{VERSION}]{secrets.token_hex(16)}"


def init_start_line() -> str:
    """The INIT_START platform line of a cold start."""
    return (f"INIT_START Runtime Version: {RUNTIME_VERSION}\t"
            f"Runtime Version ARN: arn:aws:lambda:local::runtime:advisor-local")


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: {VERSION}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def timeout_line(end: datetime, request_id: str, timeout_s: float) -> str:
    """The runtime's message when an invocation runs out of time."""
    stamp = end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{stamp} {request_id} Task timed out after {timeout_s:.2f} seconds"


def report_line(record: Mapping[str, Any]) -> str:
    """The REPORT line for an invocation record (see :mod:`advisor.record`)."""
    fields = [
        f"REPORT RequestId: {record['request_id']}",
        f"Duration: {record['duration_ms']:.2f} ms",
        f"Billed Duration: {record['billed_duration_ms']} ms",
        f"Memory Size: {record['memory_mb']} MB",
        f"Max Memory Used: {record['max_memory_used_mb']} MB",
    ]
    if record.get("init_ms") is not None:
        fields.append(f"Init Duration: {record['init_ms']:.2f} ms")
    if record["status"] == STATUS_SUCCESS:
        return "\t".join(fields) + "\t"
    fields.append(f"Status: {record['status']}")
    if record.get("error_type"):
        fields.append(f"Error Type: {record['error_type']}")
    return "\t".join(fields)


def event_line(log_stream: str, when: datetime, message: str) -> str:
    """One log event in the ``sam logs`` layout."""
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return f"{log_stream} {stamp} {message}"


class LogWriter:
    """Appends log events to a file; safe to share between threads.

    Args:
        path: the log file (created with its directory; appended to if it exists).

    Raises:
        InputError: the file cannot be created or appended to (a directory, no permission);
            checked here, before any invocation runs.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise InputError(f"cannot write the log {path}: {exc.strerror or exc}.",
                             hint="Pass --log a file path in a directory you can write.") from None
        self._lock = threading.Lock()

    def write(self, log_stream: str, events: Iterable[tuple[datetime, str]]) -> None:
        """Append ``(time, message)`` events of one environment together (one per line)."""
        lines = [event_line(log_stream, when, part)
                 for when, message in events for part in message.split("\n")]
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
