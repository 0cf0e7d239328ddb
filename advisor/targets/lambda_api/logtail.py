"""The execution log of one invocation, as Invoke's ``LogResult`` gives it back.

With ``X-Amz-Log-Type: Tail`` Lambda returns the last 4 KB of the invocation's log,
base64-encoded, ending with its REPORT. In the text log format that is the lines the
local target writes (:mod:`advisor.targets.lambda_log`); with ``LoggingConfig.LogFormat``
JSON the platform lines are JSON records (``platform.initStart``, ``platform.start``,
``platform.report``), an unhandled error is the runtime's JSON ``ERROR`` record, and what
the handler prints stays plain text, as Lambda's Python runtime writes them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from advisor.targets import lambda_log

#: Invoke's LogResult holds at most the last 4 KB of the log.
TAIL_BYTES = 4096
_INIT_START, _START, _END, _REPORT, _ERROR = "INIT_START ", "START RequestId:", "END RequestId:", "REPORT ", "[ERROR] "


def relabel(lines: Sequence[str], version: str) -> list[str]:
    """``lines`` with the START line naming ``version`` (the local target writes ``$LATEST``)."""
    old = f" Version: {lambda_log.VERSION}"
    return [line.replace(old, f" Version: {version}", 1) if line.startswith(_START) else line for line in lines]


def encode(lines: Sequence[str]) -> str:
    """``LogResult``: the last :data:`TAIL_BYTES` of the log (one event a line), base64."""
    data = "".join(line + "\n" for line in lines).encode()
    return base64.b64encode(data[-TAIL_BYTES:]).decode("ascii")


def json_lines(lines: Sequence[str], record: Mapping[str, Any], *, function_name: str, version: str,
               function_arn: str, error_message: str | None) -> list[str]:
    """The text-format ``lines`` of one invocation in Lambda's JSON log format.

    Args:
        lines: the invocation's lines in the text format (INIT_START ... REPORT).
        record: its invocation record (times, metrics, status).
        function_name, version, function_arn: what the platform records name.
        error_message: the unhandled error's message, for the runtime's ERROR record.
    """
    start, end = _stamp(record["start_time"]), _stamp(record["end_time"])
    request_id = record["request_id"]
    out: list[str] = []
    error_at = next((i for i, line in enumerate(lines) if line.startswith(_ERROR)), None)
    end_at = next((i for i, line in enumerate(lines) if line.startswith(_END)), len(lines))
    for index, line in enumerate(lines):
        if line.startswith(_INIT_START):
            out.append(_platform(start, "platform.initStart", {
                "initializationType": "on-demand",  # a provisioned environment's init is not in a tail
                "phase": "init", "runtimeVersion": lambda_log.RUNTIME_VERSION,
                "runtimeVersionArn": "arn:aws:lambda:local::runtime:advisor-local",
                "functionName": function_name, "functionVersion": version}))
        elif line.startswith(_START):
            out.append(_platform(start, "platform.start", {"requestId": request_id, "functionArn": function_arn,
                                                           "version": version}))
        elif line.startswith(_REPORT):
            out.append(_platform(end, "platform.report", report_record(record)))
        elif index == error_at:
            out.append(json.dumps({"timestamp": end, "level": "ERROR", "message": {
                "errorMessage": error_message, "errorType": record["error_type"], "requestId": request_id,
                "stackTrace": list(lines[index + 1:end_at])}, "requestId": request_id}))
        elif not line.startswith(_END) and not (error_at is not None and error_at < index < end_at):
            out.append(line)  # the handler's own output stays text
    return out


def report_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``record`` of a ``platform.report`` event for an invocation record."""
    metrics: dict[str, Any] = {
        "durationMs": record["duration_ms"],
        "billedDurationMs": record["billed_duration_ms"],
        "memorySizeMB": record["memory_mb"],
        "maxMemoryUsedMB": record["max_memory_used_mb"],
    }
    if record.get("init_ms") is not None:
        metrics["initDurationMs"] = record["init_ms"]
    body: dict[str, Any] = {"requestId": record["request_id"], "metrics": metrics, "status": record["status"]}
    if record.get("error_type"):
        body["errorType"] = record["error_type"]
    return body


def _platform(time: str, kind: str, body: dict[str, Any]) -> str:
    return json.dumps({"time": time, "type": kind, "record": body}, separators=(",", ":"))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
