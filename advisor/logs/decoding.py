"""The syntax log containers are written in: JSON documents, base64+gzip, CSV rows, ISO times,
and text read in parts (whole lines at a time).

The lowest layer of :mod:`advisor.logs`: it imports nothing else from the package and no
pandas, so the parsers, the detection and the readers all build on it.
"""

from __future__ import annotations

import base64
import csv
import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TextIO

from advisor.errors import InputError
from advisor.units import EPOCH_NS_RANGE, EPOCH_NS_YEARS, NS_PER_S, NS_PER_US, SECONDS_PER_DAY

_LOG_GROUP_RE = re.compile(r"^/aws/lambda/(?P<name>[^/\s]+)$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DECODER = json.JSONDecoder()
_BLANK = " \t\n\r"
#: Characters of a text read at a time when a parser reads it in parts (:meth:`Parser.feed`).
PART_CHARS = 4 << 20
#: Rows of a CSV read between two flushes of the records parsed (:func:`flushing`).
FLUSH_ROWS = 10_000


def iso_to_ns(text: str) -> int:
    """Epoch nanoseconds of an ISO 8601 time; no zone means UTC.

    Raises:
        ValueError: not an ISO 8601 time, or outside :data:`advisor.units.EPOCH_NS_RANGE`.
    """
    value = datetime.fromisoformat(text.strip().replace(",", "."))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    ns = (delta.days * SECONDS_PER_DAY + delta.seconds) * NS_PER_S + delta.microseconds * NS_PER_US
    if not EPOCH_NS_RANGE[0] <= ns <= EPOCH_NS_RANGE[1]:
        raise ValueError(f"time {text.strip()!r} is outside the years {EPOCH_NS_YEARS}")
    return ns


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
    index, size = 0, len(text)
    while True:
        index = skip_blank(text, index)
        if index >= size:
            return
        try:
            document, index = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}).",
                hint="Check the file is a complete export, or pass --format to read it as another format.",
            ) from None
        yield document


def skip_blank(text: str, index: int) -> int:
    """The first position at or after ``index`` that is not JSON whitespace."""
    size = len(text)
    while index < size and text[index] in _BLANK:
        index += 1
    return index


def decode_json_at(text: str, index: int) -> tuple[object, int] | None:
    """The JSON value that starts at ``index`` and the position after it, or None if none does."""
    try:
        return _DECODER.raw_decode(text, index)
    except json.JSONDecodeError:
        return None


def json_error_position(text: str, index: int) -> int:
    """Where decoding the JSON value at ``index`` fails (``len(text)`` if it does not)."""
    try:
        _DECODER.raw_decode(text, index)
    except json.JSONDecodeError as exc:
        return exc.pos
    return len(text)


def decode_subscription_data(data: str, *, source: str) -> str:
    """Text of a subscription filter's ``awslogs.data`` (base64 of gzip JSON).

    Raises:
        InputError: not base64, or not gzip inside.
    """
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
        return gzip.decompress(raw).decode("utf-8")
    except (ValueError, OSError, EOFError, zlib.error) as exc:  # binascii.Error, non-ASCII, UTF-8
        raise InputError(f"{source}: subscription data is not base64-encoded gzip ({exc}).",
                         hint="Pass the awslogs.data value exactly as delivered.") from None


def csv_rows(rows: Iterator, *, source: str, skip_header: bool = False) -> Iterator:
    """Rows of a csv reader, with CSV syntax errors as :class:`InputError`."""
    try:
        if skip_header:
            next(rows, None)
        yield from rows
    except csv.Error as exc:
        raise InputError(f"{source}: not readable as CSV ({exc}).",
                         hint="Pass the export as downloaded, or force another --format.") from None


def line_parts(text: TextIO) -> Iterator[str]:
    """``text`` in parts of about :data:`PART_CHARS` characters, each ending at a line end
    (``\\n``) but the last; a line longer than that is one part."""
    carry = ""
    while chunk := text.read(PART_CHARS):
        chunk = carry + chunk
        end = chunk.rfind("\n") + 1
        carry = chunk[end:]
        if end:
            yield chunk[:end]
    if carry:
        yield carry


def csv_lines(text: TextIO, lead: str) -> Iterator[str]:
    """The lines of a CSV ``text`` (read with ``newline=""``), the characters in ``lead`` that
    may come before its header (a byte order mark, a backtick) left out, as ``str.lstrip``
    leaves them out of the whole text."""
    lines = iter(text)
    for first in lines:
        if first := first.lstrip(lead):
            yield first
        yield from lines


def flushing(rows: Iterable[str], flush: Callable[[], None]) -> Iterator[str]:
    """``rows``, calling ``flush`` after every :data:`FLUSH_ROWS` of them."""
    for count, row in enumerate(rows, 1):
        yield row
        if count % FLUSH_ROWS == 0:
            flush()
