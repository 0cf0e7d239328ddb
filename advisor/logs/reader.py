"""Reading log files: opening, decompressing, detecting the format, checking the result.

:func:`read_paths` is what ``advisor import logs`` calls: for each file it opens
plain or gzip text (and base64+gzip subscription data), picks the format by its
content unless one is forced (:mod:`advisor.logs.detect`), parses it (large plain REPORT
logs through the vectorised fast path), and applies the rules every import shares:
strict mode, emulator refusal, and the function name.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from advisor import record
from advisor.errors import InputError, NotFoundError, UsageError
from advisor.logs._base import LogEvent, ParseResult, Rejection
from advisor.logs.decoding import decode_subscription_data
from advisor.logs.detect import forced_parser, parse_text, unit_name
from advisor.logs.events import EventAssembler
from advisor.logs.fast import FORMAT as TEXT_FORMAT
from advisor.logs.fast import parse_report_file
from advisor.logs.formats import Detection
from advisor.logs.records import repeat_string
from advisor.logs.sniffing import HEAD_BYTES

#: Plain-text files at least this large go through the vectorised fast path.
FAST_PATH_MIN_BYTES = 4 * 1024 * 1024
FAST_PATH_REASON = "plain-text REPORT lines (read by the fast path)"
_GZIP_MAGIC = b"\x1f\x8b"
#: Shorter first lines are never taken for base64.
_MIN_BASE64 = 16
#: Bytes read at a time when a file is checked in parts.
_READ_BYTES = 1 << 20
_BASE64_LINE_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def read_text(path: Path) -> str:
    """The decoded text of ``path``: gzip, base64+gzip (subscription data) and base64 text
    (an invoke's ``LogResult``, the tail of its log) unwrapped.

    Raises:
        NotFoundError: the file does not exist.
        InputError: unreadable gzip, empty, or binary file.
    """
    raw = _read_bytes(path)
    text = _decode(raw, path)
    payload = _base64_payload(text)
    if payload is None:
        return text
    try:
        inner = base64.b64decode(payload, validate=True)
    except binascii.Error:
        return text
    if inner.startswith(_GZIP_MAGIC):
        return decode_subscription_data(payload, source=str(path))
    if b"\x00" not in inner:
        try:
            return inner.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text


def may_be_base64(head: str) -> bool:
    """Whether a text that starts with ``head`` may be base64 that :func:`read_text` unwraps
    (its first line, blanks stripped, is base64), so that it is to be read whole."""
    first = head.lstrip().split("\n", 1)[0].strip()
    return len(first) >= _MIN_BASE64 and _BASE64_LINE_RE.fullmatch(first) is not None


def _base64_payload(text: str) -> str | None:
    """The base64 that ``text`` is (on one line, or wrapped in lines of one width as the
    ``base64`` tool writes it), without its line breaks; None when it is anything else."""
    stripped = text.strip()
    first = stripped[:stripped.find("\n")] if "\n" in stripped else stripped
    if len(first.rstrip("\r")) < _MIN_BASE64 or _BASE64_LINE_RE.fullmatch(first.rstrip("\r")) is None:
        return None  # the common case, decided on the first line: not base64
    lines = stripped.splitlines()
    if any(_BASE64_LINE_RE.fullmatch(line) is None for line in lines):
        return None
    if len({len(line) for line in lines[:-1]}) > 1 or len(lines[-1]) > len(lines[0]):
        return None
    return "".join(lines)


def open_bytes(path: Path) -> BinaryIO:
    """``path`` opened to read its bytes in parts, gzip decompressed (see :func:`read_text`).

    Raises:
        NotFoundError: the file does not exist.
        InputError: a directory, or unreadable.
    """
    _check_file(path)
    try:
        handle = path.open("rb")
        compressed = handle.read(2) == _GZIP_MAGIC
        handle.seek(0)
    except OSError as exc:
        raise cannot_read(path, exc) from None
    return gzip.GzipFile(fileobj=handle) if compressed else handle  # type: ignore[return-value]


def file_error(path: Path) -> InputError | None:
    """The error :func:`read_text` raises for ``path`` before its text is parsed (unreadable,
    unreadable gzip, empty, binary, not UTF-8, in that order), found reading it in parts; None
    when its text is readable.

    For files read in parts (:mod:`advisor.logs.staged`): whatever goes wrong while they are
    read, the error is the one the general path gives.

    Raises:
        NotFoundError: the file does not exist.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    offset, blank, binary, bad_byte = 0, True, False, None
    try:
        with open_bytes(path) as raw:
            while chunk := raw.read(_READ_BYTES):
                blank = blank and not chunk.strip()
                binary = binary or (offset < HEAD_BYTES and b"\x00" in chunk[:HEAD_BYTES - offset])
                if bad_byte is None:
                    held = len(utf8.getstate()[0])  # bytes of a character the last chunk began
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError as exc:
                        bad_byte = offset - held + exc.start
                offset += len(chunk)
            if bad_byte is None:
                try:
                    utf8.decode(b"", final=True)
                except UnicodeDecodeError as exc:
                    bad_byte = offset - len(utf8.getstate()[0]) + exc.start
    except InputError as error:
        return error
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        return unreadable_gzip(path, exc)
    except OSError as exc:
        return cannot_read(path, exc)
    if blank:
        return empty_file(path)
    if binary:
        return binary_file(path)
    return None if bad_byte is None else not_utf8(path, bad_byte)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file.", hint="Check the path.")
    if path.is_dir():
        raise InputError(f"{path} is a directory.", hint="Pass the log files inside it.")


def _read_bytes(path: Path) -> bytes:
    _check_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise cannot_read(path, exc) from None
    if raw.startswith(_GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise unreadable_gzip(path, exc) from None
    if not raw.strip():
        raise empty_file(path)
    return raw


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:HEAD_BYTES]:
        raise binary_file(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc.start) from None


# The errors of a file that is no log, also for files read in parts (advisor/logs/staged.py).
def cannot_read(path: Path, exc: OSError) -> InputError:
    """The error for a file the system cannot read (``exc`` says why)."""
    return InputError(f"{path}: cannot read ({exc.strerror}).", hint="Check its permissions.")


def unreadable_gzip(path: Path, exc: Exception) -> InputError:
    """The error for a gzip file that cannot be decompressed (``exc`` says why)."""
    return InputError(f"{path}: unreadable gzip ({exc}).",
                      hint="The file is truncated or corrupt; download it again.")


def empty_file(path: Path) -> InputError:
    """The error for a file of whitespace only."""
    return InputError(f"{path} is empty.", hint="Export the function's logs into it first.")


def binary_file(path: Path) -> InputError:
    """The error for a file with NUL bytes in its first :data:`HEAD_BYTES`."""
    return InputError(f"{path} is a binary file, not a log.",
                      hint="Pass a text, JSON or CSV log export (plain or .gz).")


def not_utf8(path: Path, byte: int) -> InputError:
    """The error for a file that is not UTF-8 from (decompressed) byte ``byte`` on."""
    return InputError(f"{path} is not UTF-8 text (byte {byte}).",
                      hint="Pass a text, JSON or CSV log export (plain or .gz).")


def read_paths(paths: Sequence[Path], *, function: str | None = None, format: str | None = None,
               strict: bool = False, allow_emulator: bool = False,
               on_file: Callable[[Path], None] | None = None) -> ParseResult:
    """Parse every file in ``paths`` into one result for one function.

    Args:
        paths: Log files (plain or gzip).
        function: Function name; default: from the export's log group.
        format: Force this format (see :data:`advisor.logs.detect.LOG_FORMATS`) instead of
            detecting it from the content.
        strict: Fail on the first rejected unit instead of reporting it.
        allow_emulator: Accept local emulator (RIE / SAM local) output.
        on_file: Called after each file is parsed (progress reporting).

    Raises:
        UsageError: unknown format, or no function name given or found.
        InputError: unreadable, empty, binary or non-Lambda file; a rejected unit in
            strict mode; emulator output without ``allow_emulator``.
        NotFoundError: a path does not exist.
    """
    if format is not None:
        forced_parser(format)  # an unknown name fails before any file is read
    results = []
    for path in map(Path, paths):
        results.append(read_path(path, format=format, strict=strict, allow_emulator=allow_emulator))
        if on_file is not None:
            on_file(path)
    return combine(results, function=function)


def read_path(path: Path, *, format: str | None = None, strict: bool = False,
              allow_emulator: bool = False) -> ParseResult:
    """Parse one file; see :func:`read_paths` for the rules applied."""
    source = str(path)
    result = None
    if path.is_file() and path.stat().st_size >= FAST_PATH_MIN_BYTES and format in (None, TEXT_FORMAT):
        result = parse_report_file(path)
        if result is not None:
            result.detections = [Detection(source, TEXT_FORMAT, FAST_PATH_REASON)]
    if result is None:
        result = parse_text(read_text(path), format=format, source=source)
    check(result, source=source, strict=strict, allow_emulator=allow_emulator)
    return result


def check(result: ParseResult, *, source: str, strict: bool, allow_emulator: bool,
          records: int | None = None) -> None:
    """Apply the shared rules: strict mode, emulator refusal, not-a-Lambda-log.

    ``records`` is how many records the file gave when they are not in ``result.records``
    (:mod:`advisor.logs.staged` keeps them in DuckDB).

    Raises:
        InputError: as described in :func:`read_paths`.
    """
    if strict and result.rejected:
        first = result.rejected[0]
        raise InputError(f"{first.file}:{first.line}: {first.reason}.",
                         hint="Fix or remove that line, or drop --strict to skip rejected lines.")
    if result.emulator and not allow_emulator:
        raise InputError(
            f"{source} looks like local emulator output (RIE / SAM local: Max Memory Used equals "
            f"Memory Size on every request), not the Lambda service.",
            hint="Its numbers are not real measurements; pass --allow-emulator to import it anyway.",
        )
    if (len(result.records) if records is None else records) == 0 and not result.rejected:
        raise InputError(no_records_message(result, source=source),
                         hint="Pass the function's logs with their REPORT lines (or platform.report "
                              "events), or force --format if it is another format.")


def no_records_message(result: ParseResult, *, source: str) -> str:
    """What a file without records held instead, and which format it was read as, and why."""
    unit = unit_name(result)
    read_as = "".join(f" (read as {d.format}: {d.reason})" for d in result.detections[:1])
    if result.lines == 0:
        held = f"it has no {unit}s"
    else:
        kinds = sorted(result.kinds.items(), key=lambda item: -item[1])
        held = f"its {result.lines} {unit}{'s' if result.lines != 1 else ''}: " + (
            ", ".join(f"{kind} ({count})" for kind, count in kinds) or "no records")
    return (f"{source} holds no invocation records{read_as}: {held}. A record comes from a REPORT "
            f"line or a platform.report event (or a Logs Insights or Lambda Insights row of one)")


def combine(results: Sequence[ParseResult], *, function: str | None) -> ParseResult:
    """Merge per-file results and settle the function name of each file's records.

    ``function`` names every record; without it each file's records take the function its
    export names (``/aws/lambda/NAME``). The result's ``function`` is None when several.

    Raises:
        UsageError: no ``function`` given and none found in the inputs.
    """
    unnamed = [r for r in results if not (function or r.function)]
    if unnamed:
        raise UsageError("no function name: the input does not say which function it is.",
                         hint="Pass --function NAME.")
    frames = []
    for result in results:
        if not result.records.empty:
            # Each file belongs to the function its export names, unless --function says.
            name_of_file = function or result.function
            frames.append(result.records.assign(function=repeat_string(name_of_file, len(result.records))))
    records = pd.concat(frames, ignore_index=True) if frames else record.empty_frame()
    names = sorted({str(function or r.function) for r in results})  # every file has one (checked above)
    name = names[0] if len(names) == 1 else None
    formats = sorted({r.format for r in results})
    rejected: list[Rejection] = [rej for r in results for rej in r.rejected]
    detections: list[Detection] = [d for r in results for d in r.detections]
    return ParseResult(
        records=record.conform(records),
        rejected=rejected,
        lines=sum(r.lines for r in results),
        parsed=sum(r.parsed for r in results),
        ignored=sum(r.ignored for r in results),
        format="+".join(formats),
        function=name,
        emulator=any(r.emulator for r in results),
        detections=detections,
    )


def parse_events(events: Iterable[LogEvent], *, function: str, source: str) -> ParseResult:
    """Parse CloudWatch events (as ``filter_log_events`` returns them) for ``function``.

    Units are events, numbered from 1 in the order given. Emulator and strict
    rules are left to the caller.
    """
    assembler = EventAssembler(source)
    assembler.add_events(events)
    result = assembler.result("cloudwatch")
    result.records["function"] = repeat_string(function, len(result.records))
    result.function = function
    return result
