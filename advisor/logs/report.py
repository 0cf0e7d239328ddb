"""The exact parser of one text ``REPORT`` message, by key, never by position.

Lambda writes ``REPORT RequestId: ID<TAB>Duration: 12.34 ms<TAB>Billed Duration: 13 ms...``.
Copies collapse tabs to spaces, custom runtimes put ``Init Duration`` first, X-Ray
fields follow on the same line or after an embedded newline, dumping tools cut
lines short. Each ``Key: value`` pair is found by its key; a value must be
complete (``12.34 ms``, ``128 MB``), otherwise the record is rejected with the
key and the text that was there, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.record import STATUS_ERROR, STATUS_SUCCESS, STATUS_TIMEOUT

MARKER = "REPORT RequestId:"
#: The local emulator's default memory size; it always reports Max Memory Used = Memory Size.
EMULATOR_MEMORY_MB = 3008

_KEYS = (
    "Billed Restore Duration",
    "Restore Duration",
    "Init Duration",
    "Billed Duration",
    "Max Memory Used",
    "Memory Size",
    "Duration",
    "Status",
    "Error Type",
)
_KEY_RE = re.compile("(" + "|".join(re.escape(k) for k in _KEYS) + "):")
_XRAY_RE = re.compile(r"\s+XRAY\b")  # X-Ray fields follow whitespace; XRAY inside a word is data
_ID_RE = re.compile(r"REPORT RequestId:[ \t]*(\S+)")
_MS_RE = re.compile(r"(\d+(?:\.\d+)?)[ \t]*ms")
_MB_RE = re.compile(r"(\d+)[ \t]*MB")
_WORD_RE = re.compile(r"\S+")

#: ``Status:`` values Lambda writes, mapped to record statuses.
_STATUS = {
    "success": STATUS_SUCCESS,
    "timeout": STATUS_TIMEOUT,
    "error": STATUS_ERROR,
    "failure": STATUS_ERROR,
}


class ReportError(ValueError):
    """A REPORT message that cannot be used; the message is the rejection reason."""


@dataclass(frozen=True)
class Report:
    """The fields of one REPORT message (times in ms, memory in MB)."""

    request_id: str
    duration_ms: float
    billed_duration_ms: int | None
    memory_mb: int | None
    max_memory_used_mb: int | None
    init_ms: float | None
    restore_ms: float | None
    billed_restore_ms: int | None
    status: str
    error_type: str | None
    init_first: bool


def parse_report(message: str) -> Report:
    """Parse the REPORT record in ``message`` (text before ``REPORT`` is skipped).

    Raises:
        ReportError: the record is truncated, malformed or lacks ``Duration``.
    """
    start = message.find(MARKER)
    if start < 0:
        raise ReportError("no 'REPORT RequestId:' in the line")
    body = message[start:]
    if "\\" in body:
        # A REPORT copied out of a JSON string keeps its escapes and closing quote.
        body = body.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
        body = body.rstrip().rstrip(",").rstrip('"')
    xray = _XRAY_RE.search(body)
    if xray:
        body = body[: xray.start()]
    head = _ID_RE.match(body)
    if head is None:
        raise ReportError("REPORT without a request id")
    keys = list(_KEY_RE.finditer(body, head.end()))
    gap = body[head.end() : keys[0].start() if keys else len(body)]
    if gap.strip():
        raise ReportError(f"unexpected text after the request id: {gap.strip()!r}")
    values: dict[str, str] = {}
    for i, match in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(body)
        key = match.group(1)
        if key in values:
            raise ReportError(f"field {key!r} appears twice")
        values[key] = body[match.end() : end].strip()
    if "Duration" not in values:
        raise ReportError("REPORT without 'Duration' (truncated line?)")
    status_text = values.get("Status")
    status = STATUS_SUCCESS
    if status_text is not None:
        status = _STATUS.get(status_text.lower(), "")
        if not status:
            raise ReportError(f"unknown or truncated Status {status_text!r}")
    error_type = _word(values, "Error Type")
    duration = _ms(values, "Duration")
    billed = _int_ms(values, "Billed Duration")
    if status_text is None and billed is not None and duration is not None and billed < duration:
        # Before the Status field existed, a timeout showed as Duration beyond the
        # billed time (billing stopped at the configured timeout).
        status = STATUS_TIMEOUT
    init_first = "Init Duration" in values and keys[0].group(1) == "Init Duration"
    return Report(
        request_id=head.group(1),
        duration_ms=duration,  # type: ignore[arg-type]
        billed_duration_ms=billed,
        memory_mb=_mb(values, "Memory Size"),
        max_memory_used_mb=_mb(values, "Max Memory Used"),
        init_ms=_ms(values, "Init Duration"),
        restore_ms=_ms(values, "Restore Duration"),
        billed_restore_ms=_int_ms(values, "Billed Restore Duration"),
        status=status,
        error_type=error_type,
        init_first=init_first,
    )


def _ms(values: dict[str, str], key: str) -> float | None:
    text = values.get(key)
    if text is None:
        return None
    match = _MS_RE.fullmatch(text)
    if match is None:
        raise ReportError(f"truncated or malformed {key!r}: {text!r}")
    return float(match.group(1))


def _int_ms(values: dict[str, str], key: str) -> int | None:
    value = _ms(values, key)
    if value is None:
        return None
    if value != int(value):
        raise ReportError(f"{key!r} is not a whole number of ms: {values[key]!r}")
    return int(value)


def _mb(values: dict[str, str], key: str) -> int | None:
    text = values.get(key)
    if text is None:
        return None
    match = _MB_RE.fullmatch(text)
    if match is None:
        raise ReportError(f"truncated or malformed {key!r}: {text!r}")
    return int(match.group(1))


def _word(values: dict[str, str], key: str) -> str | None:
    text = values.get(key)
    if text is None:
        return None
    if _WORD_RE.fullmatch(text) is None:
        raise ReportError(f"malformed {key!r}: {text!r}")
    return text
