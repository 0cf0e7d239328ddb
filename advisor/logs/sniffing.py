"""What a file's head is made of: the evidence each parser's ``sniff`` decides on.

Detection goes by structure, never by the first character or a fixed key order:

- JSON: the head is decoded as a sequence of JSON documents (concatenated, one per line,
  pretty-printed, in any layout); a document cut short by the end of the head is kept as
  far as it goes. Each document, and each item of a top-level list, is then classified by
  its keys and values (:func:`json_kinds`): a ``filter_log_events`` response, a subscription
  payload, a CloudWatch event, a platform event of the JSON log format, a Logs Insights
  result, a Lambda Insights event...
- CSV: the header's cells, in any order (:func:`csv_header`).
- text: the lines Lambda writes (:func:`text_markers`).

The analysis of one head is cached, so every parser can ask about the same head cheaply.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from collections.abc import Callable
from json.decoder import scanstring  # type: ignore[attr-defined]  # public, not in the stubs
from typing import Any

from advisor.logs.decoding import decode_json_at, skip_blank

#: Characters of a file that detection looks at.
HEAD_BYTES = 64 * 1024

# Kinds of JSON documents (and of the items of a top-level list).
AWSLOGS = "awslogs"  #: a subscription delivery: {"awslogs": {"data": base64 of gzip}}
EVENT_LIST = "event list"  #: {"events": [...]} (filter_log_events, get-log-events)
SUBSCRIPTION = "subscription payload"  #: {"logGroup", "logEvents": [...]}
LOG_EVENT = "log event"  #: {"timestamp": epoch ms, "message": "..."}
MESSAGES = "messages"  #: a list of message strings (--query 'events[].message')
PLATFORM = "platform event"  #: {"time", "type": "platform.report", "record": {...}}
APPLICATION = "application JSON"  #: the runtime's JSON application lines (level, message)
LAMBDA_APPLICATION = "Lambda application JSON"  #: ... with Lambda's requestId
INSIGHTS_RESULTS = "insights results"  #: {"results": [[{"field", "value"}, ...], ...]}
PERFORMANCE = "performance event"  #: {"event_type": "performance", ...}
INVOKE_RESPONSE = "invoke response"  #: {"StatusCode": 200, ...} of ``aws lambda invoke``
OTHER = "other JSON"

#: Telemetry / Logs API event types of the function's and extensions' own lines.
_LOG_EVENT_TYPES = ("function", "extension")
#: Keys only a CloudWatch log event (not an application's JSON line) carries.
_EVENT_KEYS = ("ingestionTime", "eventId", "logStreamName")
_CONTAINER_KINDS = (AWSLOGS, EVENT_LIST, SUBSCRIPTION, LOG_EVENT, MESSAGES)
_UNTERMINATED = "Unterminated string"
_CUT_SCALAR_RE = re.compile(r"-?[0-9.eE+-]*")
_PLATFORM_TYPE_RE = re.compile(r'"type"\s*:\s*"(platform\.[A-Za-z]+)"')

#: Text markers of Lambda's own lines, with what they are called in a detection reason.
_TEXT_MARKERS = (
    ("REPORT RequestId:", "REPORT"),
    ("START RequestId:", "START"),
    ("END RequestId:", "END"),
    ("INIT_START ", "INIT_START"),
    ("INIT_REPORT ", "INIT_REPORT"),
    ("RESTORE_START ", "RESTORE_START"),
    ("RESTORE_REPORT ", "RESTORE_REPORT"),
    ("Task timed out after", "Task timed out"),
    ("@message=", "Logs Insights @message= rows"),
)


class _SyntaxError(ValueError):
    """Not JSON before the end of the head."""


@functools.lru_cache(maxsize=8)
def json_documents(head: str) -> tuple[object, ...] | None:
    """The JSON documents in ``head`` (the last one possibly cut short by the head's end),
    or None unless the head is a sequence of JSON objects and arrays and nothing else."""
    documents: list[object] = []
    index = skip_blank(head, 1 if head.startswith("\ufeff") else 0)
    if index >= len(head):
        return None
    while index < len(head):
        if head[index] not in "{[":
            return None  # text around the documents: a text log that holds JSON lines
        try:
            value, index, complete = _prefix(head, index)
        except _SyntaxError:
            return None
        documents.append(value)
        if not complete:
            break
        index = skip_blank(head, index)
    return tuple(documents)


@functools.lru_cache(maxsize=8)
def json_kinds(head: str) -> Counter[str] | None:
    """How many documents (and items of top-level lists) of each kind ``head`` holds, or
    None when it is not JSON. Platform events also count under their type."""
    documents = json_documents(head)
    if documents is None:
        return None
    kinds: Counter[str] = Counter()
    for document in documents:
        if isinstance(document, list):
            _list_kinds(document, kinds)
        else:
            _item_kind(document, kinds)
    return kinds


def is_container(kinds: Counter[str]) -> bool:
    """Whether ``kinds`` holds CloudWatch's containers of log events (exports, payloads)."""
    return any(kinds[kind] for kind in _CONTAINER_KINDS)


def platform_types(kinds: Counter[str]) -> list[str]:
    """The Lambda event types in ``kinds`` (``platform.report``, ``function``...), most
    frequent first."""
    return [kind for kind, _ in kinds.most_common() if is_lambda_event_type(kind)]


@functools.lru_cache(maxsize=8)
def csv_header(head: str) -> tuple[str, ...] | None:
    """The cells of the first line of ``head`` read as a CSV header (quotes removed, blanks
    stripped; a leading BOM or backtick dropped), or None when it is not one."""
    first = head.lstrip("\ufeff`").split("\n", 1)[0].rstrip("\r")
    if "," not in first and not first.lstrip().startswith(("@", '"@')):
        return None
    try:
        cells = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None
    return tuple(cell.strip() for cell in cells)


@functools.lru_cache(maxsize=8)
def text_markers(head: str) -> tuple[str, ...]:
    """The kinds of Lambda's own lines found in ``head`` (``REPORT``, ``START``,
    ``platform.report``...), in a fixed order."""
    found = [name for marker, name in _TEXT_MARKERS if marker in head]
    if '"platform.' in head:
        found += sorted(set(_PLATFORM_TYPE_RE.findall(head)))
    return tuple(found)


def is_lambda_event_type(kind: object) -> bool:
    """Whether ``kind`` is the ``type`` of an event Lambda writes in its JSON log format or
    sends to the Telemetry and Logs APIs (``platform.*``, ``function``, ``extension``)."""
    return isinstance(kind, str) and (kind.startswith("platform.") or kind in _LOG_EVENT_TYPES)


def _list_kinds(items: list, kinds: Counter[str]) -> None:
    if items and all(isinstance(item, str) for item in items):
        kinds[MESSAGES] += 1
    elif items and all(_is_insights_row(item) for item in items):
        kinds[INSIGHTS_RESULTS] += 1
    else:
        for item in items:
            _item_kind(item, kinds)


def _item_kind(item: object, kinds: Counter[str]) -> None:
    if not isinstance(item, dict):
        kinds[OTHER] += 1
        return
    kind = _dict_kind(item)
    kinds[kind] += 1
    if kind == PLATFORM:
        kinds[item["type"]] += 1


def _dict_kind(item: dict) -> str:  # noqa: PLR0911 - one return per kind of document
    if isinstance(item.get("awslogs"), dict):
        return AWSLOGS
    events = item.get("logEvents", item.get("events"))
    if isinstance(events, list) and _are_log_events(events):
        return SUBSCRIPTION if "logEvents" in item else EVENT_LIST
    if isinstance(item.get("results"), list) and item["results"] and all(
            _is_insights_row(row) for row in item["results"]):
        return INSIGHTS_RESULTS
    if item.get("event_type") == "performance":
        return PERFORMANCE
    if is_lambda_event_type(item.get("type")) and ("record" in item or "time" in item):
        return PLATFORM
    if isinstance(item.get("message"), str) and _is_log_event(item):
        return LOG_EVENT
    if "StatusCode" in item:
        return INVOKE_RESPONSE
    if "message" in item or "level" in item or "msg" in item:
        return LAMBDA_APPLICATION if "requestId" in item else APPLICATION
    return OTHER


def _are_log_events(events: list) -> bool:
    """A list of CloudWatch events: objects with a ``message`` (the last may be cut short)."""
    whole = [event for event in events[:-1] if isinstance(event, dict)] or events[:1]
    return all(isinstance(event, dict) and ("message" in event or "timestamp" in event)
               for event in whole)


def _is_log_event(item: dict) -> bool:
    stamp = item.get("timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        return True
    return any(key in item for key in _EVENT_KEYS)


def _is_insights_row(row: object) -> bool:
    return isinstance(row, list) and bool(row) and all(
        isinstance(cell, dict) and "field" in cell for cell in row)


def _prefix(text: str, index: int) -> tuple[object, int, bool]:
    """The JSON value at ``index``: ``(value, end, complete)``. A value cut short by the end
    of ``text`` comes back as far as it goes, with ``complete`` False.

    Raises:
        _SyntaxError: not JSON before the end of ``text``.
    """
    decoded = decode_json_at(text, index)
    if decoded is not None:
        return decoded[0], decoded[1], True
    opener = text[index]
    if opener == "{":
        return _prefix_object(text, index + 1)
    if opener == "[":
        return _prefix_array(text, index + 1)
    if _is_cut_scalar(text, index):
        return None, len(text), False
    raise _SyntaxError(index)


def _prefix_array(text: str, index: int) -> tuple[list, int, bool]:
    return _prefix_container(text, index, "]", _array_item, [])


def _prefix_object(text: str, index: int) -> tuple[dict, int, bool]:
    return _prefix_container(text, index, "}", _object_item, {})


def _prefix_container(text: str, index: int, closer: str,
                      read_item: Callable[[str, int, Any], tuple[int, bool]],
                      container: Any) -> tuple[Any, int, bool]:
    """The items of an array or object from ``index`` (after its opener) into ``container``."""
    size = len(text)
    index = skip_blank(text, index)
    if index < size and text[index] == closer:
        return container, index + 1, True
    while True:
        index = skip_blank(text, index)
        if index >= size:
            return container, index, False
        index, complete = read_item(text, index, container)
        index = skip_blank(text, index)
        if not complete or index >= size:
            return container, index, False
        if text[index] == closer:
            return container, index + 1, True
        if text[index] != ",":
            raise _SyntaxError(index)
        index += 1


def _array_item(text: str, index: int, items: list) -> tuple[int, bool]:
    value, index, complete = _prefix(text, index)
    items.append(value)
    return index, complete


def _object_item(text: str, index: int, item: dict) -> tuple[int, bool]:
    size = len(text)
    if text[index] != '"':
        raise _SyntaxError(index)
    try:
        key, index = scanstring(text, index + 1)
    except ValueError as exc:
        if _UNTERMINATED in str(exc):
            return size, False  # the key is cut short by the end of the head
        raise _SyntaxError(index) from None
    index = skip_blank(text, index)
    if index >= size:
        return index, False
    if text[index] != ":":
        raise _SyntaxError(index)
    index = skip_blank(text, index + 1)
    if index >= size:
        return index, False
    value, index, complete = _prefix(text, index)
    item[key] = value
    return index, complete


def _is_cut_scalar(text: str, index: int) -> bool:
    """Whether the scalar at ``index`` runs to the end of ``text`` (cut short, not wrong)."""
    rest = text[index:]
    if rest.startswith('"'):
        try:
            scanstring(text, index + 1)
        except ValueError as exc:
            return _UNTERMINATED in str(exc)
        return False
    if any(word.startswith(rest) for word in ("true", "false", "null")):
        return True
    return _CUT_SCALAR_RE.fullmatch(rest) is not None
