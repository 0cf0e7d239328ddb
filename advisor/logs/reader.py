"""Reading log files: opening, decompressing, detecting the format, checking the result.

:func:`read_paths` is what ``advisor import logs`` calls: for each file it opens
plain or gzip text (and base64+gzip subscription data), picks the format by
sniffing its head unless one is forced, parses it (large plain REPORT logs through
the vectorised fast path), and applies the rules every import shares: strict
mode, emulator refusal, and the function name.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from advisor import record
from advisor.errors import InputError, NotFoundError, UsageError
from advisor.logs._base import LogEvent, Parser, ParseResult, Rejection
from advisor.logs.events import EventAssembler, repeat_string
from advisor.logs.exports import CloudWatchJsonParser, ConsoleCsvParser
from advisor.logs.insights import InsightsCsvParser, InsightsJsonParser, LambdaInsightsParser
from advisor.logs.text import TextParser

#: Bytes read to sniff a format and to tell text from binary.
HEAD_BYTES = 64 * 1024
#: Plain-text files at least this large go through the vectorised fast path.
FAST_PATH_MIN_BYTES = 4 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_BASE64_RE = re.compile(r"[A-Za-z0-9+/=\s]{16,}")

#: Log formats in sniffing order (most specific first; text is the fallback).
LOG_PARSERS: tuple[Parser, ...] = (
    InsightsJsonParser(),
    LambdaInsightsParser(),
    CloudWatchJsonParser(),
    ConsoleCsvParser(),
    InsightsCsvParser(),
    TextParser(),
)
LOG_FORMATS: dict[str, Parser] = {parser.name: parser for parser in LOG_PARSERS}


def format_names() -> str:
    """The ``--format`` names, comma-separated, for help texts and errors."""
    return ", ".join(LOG_FORMATS)


def decode_subscription_data(data: str, *, source: str) -> str:
    """Text of a subscription filter's ``awslogs.data`` (base64 of gzip JSON).

    Raises:
        InputError: not base64, or not gzip inside.
    """
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
        return gzip.decompress(raw).decode("utf-8")
    except (binascii.Error, OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: subscription data is not base64-encoded gzip ({exc}).",
                         hint="Pass the awslogs.data value exactly as delivered.") from None


def read_text(path: Path) -> str:
    """The decoded text of ``path`` (gzip and base64+gzip unwrapped).

    Raises:
        NotFoundError: the file does not exist.
        InputError: unreadable gzip, empty, or binary file.
    """
    raw = _read_bytes(path)
    text = _decode(raw, path)
    stripped = text.strip()
    if may_be_subscription_data(text):
        try:
            raw_inner = base64.b64decode(stripped, validate=True)
        except binascii.Error:
            return text
        if raw_inner.startswith(_GZIP_MAGIC):
            return decode_subscription_data(stripped, source=str(path))
    return text


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
    return gzip.GzipFile(fileobj=handle) if compressed else handle


def _check_file(path: Path) -> None:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file.", hint="Check the path.")
    if path.is_dir():
        raise InputError(f"{path} is a directory.", hint="Pass the log files inside it.")


def cannot_read(path: Path, exc: OSError) -> InputError:
    """The error for a file the system cannot read (``exc`` says why)."""
    return InputError(f"{path}: cannot read ({exc.strerror}).", hint="Check its permissions.")


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


def may_be_subscription_data(head: str) -> bool:
    """Whether a text starting with ``head`` may be bare subscription data (base64 of gzip
    JSON, one token): :func:`read_text` then unwraps it."""
    stripped = head.strip()
    return bool(stripped) and bool(_BASE64_RE.fullmatch(stripped)) and not any(
        c.isspace() for c in stripped[:200])


def choose_parser(head: str, *, format: str | None, source: str) -> Parser:
    """The forced parser, or the first whose ``sniff`` accepts ``head``.

    Raises:
        UsageError: unknown ``format``.
        InputError: no format recognises the file.
    """
    if format is not None:
        parser = LOG_FORMATS.get(format)
        if parser is None:
            raise UsageError(f"unknown --format {format!r}.", hint=f"Use one of: {format_names()}.")
        return parser
    for parser in LOG_PARSERS:
        if parser.sniff(head):
            return parser
    raise InputError(
        f"{source} holds no Lambda log records (no REPORT, START or platform.report lines).",
        hint=f"Is it the log of another service? Pass a Lambda function's logs, or force --format "
             f"({format_names()}).",
    )


def read_paths(paths: Sequence[Path], *, function: str | None = None, format: str | None = None,
               strict: bool = False, allow_emulator: bool = False,
               on_file: Callable[[Path], None] | None = None) -> ParseResult:
    """Parse every file in ``paths`` into one result for one function.

    Args:
        paths: Log files (plain or gzip).
        function: Function name; default: from the export's log group.
        format: Force this format (see :data:`LOG_FORMATS`) instead of sniffing.
        strict: Fail on the first rejected unit instead of reporting it.
        allow_emulator: Accept local emulator (RIE / SAM local) output.
        on_file: Called after each file is parsed (progress reporting).

    Raises:
        UsageError: unknown format, or no function name given or found.
        InputError: unreadable, empty, binary or non-Lambda file; a rejected unit in
            strict mode; emulator output without ``allow_emulator``.
        NotFoundError: a path does not exist.
    """
    if format is not None and format not in LOG_FORMATS:
        raise UsageError(f"unknown --format {format!r}.", hint=f"Use one of: {format_names()}.")
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
    if path.is_file() and path.stat().st_size >= FAST_PATH_MIN_BYTES and format in (None, "text"):
        from advisor.logs.fast import parse_report_file

        result = parse_report_file(path)
    if result is None:
        text = read_text(path)
        parser = choose_parser(text[:HEAD_BYTES], format=format, source=source)
        result = parser.parse(text, source=source)
    check(result, source=source, strict=strict, allow_emulator=allow_emulator)
    return result


def check(result: ParseResult, *, source: str, strict: bool, allow_emulator: bool) -> None:
    """Apply the shared rules: strict mode, emulator refusal, not-a-Lambda-log.

    Raises:
        InputError: as described in :func:`read_paths`.
    """
    check_counts(source=source, rejected=result.rejected, emulator=result.emulator,
                 records=len(result.records), lines=result.lines, strict=strict,
                 allow_emulator=allow_emulator)


def check_counts(*, source: str, rejected: Sequence[Rejection], emulator: bool, records: int,
                 lines: int, strict: bool, allow_emulator: bool) -> None:
    """:func:`check` for a file whose records are not at hand (only counted)."""
    if strict and rejected:
        first = rejected[0]
        raise InputError(f"{first.file}:{first.line}: {first.reason}.",
                         hint="Fix or remove that line, or drop --strict to skip rejected lines.")
    if emulator and not allow_emulator:
        raise InputError(
            f"{source} looks like local emulator output (RIE / SAM local: Max Memory Used equals "
            f"Memory Size on every request), not the Lambda service.",
            hint="Its numbers are not real measurements; pass --allow-emulator to import it anyway.",
        )
    if records == 0 and not rejected:
        raise InputError(
            f"{source} holds no Lambda invocation records ({lines} lines, no REPORT or "
            f"platform.report).",
            hint="Is it the log of another service, or only START/END lines? Pass the function's "
                 "full logs.",
        )


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
    names = sorted({function or r.function for r in results})
    name = names[0] if len(names) == 1 else None
    formats = sorted({r.format for r in results})
    rejected: list[Rejection] = [rej for r in results for rej in r.rejected]
    return ParseResult(
        records=record.conform(records),
        rejected=rejected,
        lines=sum(r.lines for r in results),
        parsed=sum(r.parsed for r in results),
        ignored=sum(r.ignored for r in results),
        format="+".join(formats),
        function=name,
        emulator=any(r.emulator for r in results),
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
