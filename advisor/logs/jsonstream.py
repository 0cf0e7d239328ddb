"""Reading large JSON exports in parts, with bounded memory.

``aws logs filter-log-events`` prints one document, ``{"events": [...], ...}``, however many
events it found; Logs Insights and Lambda Insights exports are lists. Decoding such a file
whole takes several times its size in Python objects. :func:`iter_documents` yields the
documents of a text stream as :func:`advisor.logs.decoding.iter_json_documents` yields those of
a string, except that a long top-level list, or a long array under one of a parser's
``document_keys``, comes in parts: the list in slices, the object once per slice of the array
with the keys read before it. A parser adds each part as it would the whole document, so
the records are the same, as long as no key it reads follows the array: then
:class:`SplitTooLateError` is raised, and the caller reads the file whole.

Only the structure around the array is read here; every value is decoded by :mod:`json`
itself. An error names the line and column of the whole file, with :mod:`json`'s message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterator
from typing import TextIO

from advisor.errors import InputError

#: Elements of a long array handed over at a time.
PART = 10_000
#: Characters read at a time.
_CHUNK = 1 << 20
#: A single value longer than this is not read further (an error in it is reported as found).
_MAX_VALUE = 64 << 20
#: A value ending closer than this to the end of what was read is read again with more.
_NUMBER_ROOM = 64
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class SplitTooLateError(Exception):
    """A key the parser reads came after an array already handed over in parts."""


class _Window:
    """The part of the stream being read: relative positions, absolute line and column."""

    def __init__(self, stream: TextIO, source: str) -> None:
        self.stream = stream
        self.source = source
        self.text = ""
        self.lines = 0  # newlines before the window
        self.column = 0  # characters after the last of them
        self.eof = False

    def more(self) -> bool:
        """Read the next chunk onto the window; False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.text += chunk
        return True

    def forget(self, position: int) -> int:
        """Drop the window before ``position``; return where it now is (0)."""
        dropped = self.text[:position]
        newlines = dropped.count("\n")
        if newlines:
            self.lines += newlines
            self.column = len(dropped) - dropped.rfind("\n") - 1
        else:
            self.column += len(dropped)
        self.text = self.text[position:]
        return 0

    def char(self, position: int) -> str:
        """The character at ``position`` ('' at the end of the stream)."""
        while position >= len(self.text) and self.more():
            pass
        return self.text[position:position + 1]

    def skip(self, position: int) -> int:
        """The first position at or after ``position`` that is not JSON whitespace."""
        while True:
            blank = _WHITESPACE.match(self.text, position)
            assert blank is not None  # the pattern matches the empty string
            position = blank.end()
            if position < len(self.text) or not self.more():
                return position

    def value(self, position: int) -> tuple[object, int]:
        """Decode the JSON value at ``position`` (reading on while it is incomplete)."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, position)
            except json.JSONDecodeError as exc:
                if self.eof or len(self.text) - position > _MAX_VALUE or not self.more():
                    raise self.error(exc) from None
                continue
            # A number near the end of the window may go on in the next chunk ("1" "2.5").
            if len(self.text) - end > _NUMBER_ROOM or not self.more():
                return value, end

    def error(self, exc: json.JSONDecodeError, offset: int = 0) -> InputError:
        """``exc`` (raised at ``exc.pos - offset`` of the window) as the import's error."""
        position = exc.pos - offset
        before = self.text.rfind("\n", 0, position)
        line = self.lines + self.text.count("\n", 0, position) + 1
        column = position - before if before >= 0 else self.column + position + 1
        return InputError(
            f"{self.source}: not valid JSON at line {line}, column {column} ({exc.msg}).",
            hint="Check the file is a complete export, or pass --format to read it as another format.",
        )

    def fail_after(self, opening: str, position: int) -> InputError:
        """The error :mod:`json` raises reading on from ``position`` (the end of the last value
        read, or just inside a bracket) after ``opening`` (the list or object so far, in
        short): its message, at the place in the file. Called where the next delimiter or
        value is wrong, which lies within two tokens of ``position``. An opening stands for
        the last value with ``""``, which nothing after it can continue (a ``0`` would run
        on into ``.5`` and move the error)."""
        first = self.skip(position)
        second = self.skip(first + 1) if first < len(self.text) else first
        tail = self.text[position:second + 2]
        try:
            _DECODER.raw_decode(opening + tail)
        except json.JSONDecodeError as exc:
            return self.error(exc, len(opening) - position)
        raise AssertionError(f"json accepts {opening + tail!r}")  # the caller found it wrong


def iter_documents(stream: TextIO, *, source: str, keys: frozenset[str] | None,
                   part: int = PART) -> Iterator[object]:
    """The JSON documents of ``stream``, long arrays in parts (see the module's docstring).

    Args:
        stream: The decoded text.
        source: The file, for errors.
        keys: The keys of an object the parser reads (None: an object is read whole).
        part: Elements of a long array handed over at a time.

    Raises:
        InputError: the text is not JSON at some position.
        SplitTooLateError: a key in ``keys`` followed an array handed over in parts.
    """
    window = _Window(stream, source)
    position = 0
    while True:
        position = window.skip(position)
        first = window.char(position)
        if not first:
            return
        if first == "[":
            position = yield from _list(window, position, part, lambda items: items)
        elif first == "{" and keys is not None:
            position = yield from _object(window, position, keys, part)
        else:
            document, position = window.value(position)
            yield document
        position = window.forget(position)


def feed_documents(stream: TextIO, *, source: str, keys: frozenset[str] | None,
                   add: Callable[[object], None], flush: Callable[[], None]) -> None:
    """Hand each document of ``stream`` (long arrays in parts, see :func:`iter_documents`) to
    ``add``, and call ``flush`` after each: a JSON parser's :meth:`~advisor.logs.Parser.feed`.

    Raises:
        InputError: the text is not JSON at some position.
        SplitTooLateError: a key in ``keys`` followed an array handed over in parts.
    """
    for document in iter_documents(stream, source=source, keys=keys, part=PART):
        add(document)
        flush()


def _list(window: _Window, position: int, part: int,
          wrap: Callable[[list[object]], object]) -> Generator[object, None, int]:
    """The list at ``position``: ``wrap(slice)`` for each slice of its elements; returns where
    it ends. Its structure is read as :mod:`json` reads it (which says what is wrong)."""
    end = position + 1
    if window.char(window.skip(end)) == "]":
        yield wrap([])
        return window.skip(end) + 1
    items: list[object] = []
    handed = False
    while True:
        if window.char(window.skip(end)) == "":
            raise window.fail_after("[", end)
        item, end = window.value(window.skip(end))
        items.append(item)
        if len(items) == part:
            yield wrap(items)
            items, handed = [], True
            end = window.forget(end)
        delimiter = window.skip(end)
        if window.char(delimiter) == "]":
            break
        following = window.skip(delimiter + 1)
        if window.char(delimiter) != "," or window.char(following) in ("]", ""):
            raise window.fail_after('[""', end)
        end = following
    if items or not handed:
        yield wrap(items)
    return delimiter + 1


def _object(window: _Window, position: int, keys: frozenset[str],
            part: int) -> Generator[object, None, int]:
    """The object at ``position``, whole, or once per slice of a long array under one of
    ``keys`` (with the keys read before it); returns where it ends."""
    pairs: dict[str, object] = {}
    split = False
    opening, end = "{", position + 1  # before the next key: "{" or the last value's end
    if window.char(window.skip(end)) == "}":
        yield pairs
        return window.skip(end) + 1
    while True:
        key_at = window.skip(end)
        if window.char(key_at) != '"':
            raise window.fail_after(opening, end)
        decoded, end = window.value(key_at)
        key = str(decoded)  # a JSON string: it opens with a quote
        colon = window.skip(end)
        if window.char(colon) != ":":
            raise window.fail_after('{""', end)
        value_at = window.skip(colon + 1)
        if split and key in keys:
            raise SplitTooLateError(key)
        if key in keys and not split and window.char(value_at) == "[" and _long(window, value_at):
            split = True
            end = yield from _list(window, value_at, part, _under(dict(pairs), key))
        else:
            pairs[key], end = window.value(value_at)
        delimiter = window.skip(end)
        if window.char(delimiter) == "}":
            break
        if window.char(delimiter) != ",":
            raise window.fail_after('{"":""', end)
        opening = '{"":""'
        if window.char(window.skip(delimiter + 1)) != '"':
            raise window.fail_after(opening, end)
        end = delimiter + 1
    if not split:
        yield pairs
    return delimiter + 1


def _under(pairs: dict[str, object], key: str) -> Callable[[list[object]], object]:
    """How a part of the array under ``key`` is handed over: as the object, with the keys
    read before the array (``pairs``) and the part under ``key``."""
    return lambda items: {**pairs, key: items}


def _long(window: _Window, position: int) -> bool:
    """Whether the array at ``position`` may hold more than ``part`` elements: it does not
    end within the window read so far (a short one is decoded whole, as json would)."""
    try:
        _DECODER.raw_decode(window.text, position)
    except json.JSONDecodeError:
        return True
    return False
