"""Stored imports of large logs in any format, parsed in parts and staged in DuckDB.

The general path (:func:`advisor.logs.reader.read_paths`) reads a whole file into one
string and builds one table of its records: several times the file's size in memory. For
a stored import of large files, :func:`store_staged` reads each file as a stream instead,
through its parser's :meth:`~advisor.logs.Parser.feed`: the same parser code, a part at a
time (text and JSON log format lines a few megabytes of lines at a time, JSON exports a
part of their event array at a time with :mod:`advisor.logs.jsonstream`, CSV a row at a
time). Every few thousand records, the records parsed so far go to a temporary DuckDB
table, within the workspace's import memory limit (DuckDB spills beyond it).

The format is chosen as the general path chooses it (:func:`advisor.logs.detect.read_detected`):
the parser ``--format`` names, or the parsers that recognise the file's head in turn until
one finds records; the detection is reported the same way. What the general path decides
over a whole file's records is then decided in SQL over the staged ones: a ``Task timed
out`` line marks its request's last record, an event copied twice is one record, retries
of a request id are numbered ``#2``, ``#3``... (as :func:`advisor.logs.records.finish_records`
does), emulator output is refused (as :func:`advisor.logs.records.looks_like_emulator`). The
records, counts, rejections, detections and errors are the general path's;
``tests/logs/test_staged.py`` compares the stores.

A file that cannot be read in parts (base64, a JSON document with a key that matters after
its event array) is read whole, as by the general path.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from advisor import record
from advisor.errors import InputError
from advisor.logs._base import Parser, ParseResult
from advisor.logs.detect import forced_parser, parse_text, read_detected
from advisor.logs.events import EventAssembler
from advisor.logs.jsonstream import SplitTooLateError
from advisor.logs.reader import (
    check,
    combine,
    file_error,
    may_be_base64,
    open_bytes,
    read_text,
    unreadable_gzip,
)
from advisor.logs.records import CONTENT, finish_records
from advisor.logs.report import EMULATOR_MEMORY_MB
from advisor.logs.sniffing import HEAD_BYTES
from advisor.record import COLUMNS, STATUS_SUCCESS, STATUS_TIMEOUT
from advisor.workspace import ROW_COLUMN, Workspace

if TYPE_CHECKING:
    from advisor.workspace import ImportSummary, Staging

#: Stored imports whose files hold this much text (decompressed) are staged: smaller ones
#: are read whole (the general path's own threshold for large files).
STAGED_MIN_BYTES = 4 * 1024 * 1024
#: Records parsed before they go to DuckDB.
FLUSH_RECORDS = 50_000
_GZIP_MAGIC = b"\x1f\x8b"
#: The input order of a settled record: its file's index times this, plus its place in it.
_FILE_ROWS = 1 << 40


@dataclass
class StagedImport:
    """What a staged import read and stored.

    Attributes:
        result: The files' accounting, function, format and detections, as the general path's
            :func:`~advisor.logs.reader.read_paths` gives them (its records are not in it).
        records: How many records the files gave.
        functions: The functions the records belong to, by name.
        summary: What the store added.
    """

    result: ParseResult
    records: int
    functions: list[str]
    summary: ImportSummary


@dataclass
class _Read:
    """One file read with one parser: its accounting (records left out) and what the SQL needs."""

    result: ParseResult
    parsed: int
    init_first: bool = False
    timed_out: frozenset[str] = frozenset()


def applies(paths: Sequence[Path]) -> bool:
    """Whether a stored import of ``paths`` is staged: they hold at least
    :data:`STAGED_MIN_BYTES` of text."""
    return sum(_text_size(Path(path)) for path in paths) >= STAGED_MIN_BYTES


def store_staged(paths: Sequence[Path], *, function: str | None, format: str | None,
                 strict: bool, allow_emulator: bool, workspace: Path | None,
                 on_file: Callable[[Path], None] | None = None) -> StagedImport:
    """Import ``paths`` as the general path does (:func:`advisor.logs.read_paths`, then
    :meth:`advisor.workspace.Workspace.import_records`), parsing them in parts.

    Raises:
        UsageError, InputError, NotFoundError: as the general path.
    """
    if format is not None:
        forced_parser(format)  # an unknown name fails before any file is read
    with Workspace.open(workspace) as ws, ws.staging() as staging:
        results, counts = [], []
        for index, path in enumerate(map(Path, paths)):
            result, records = _read_file(path, index, staging, format=format, function=function)
            check(result, source=str(path), strict=strict, allow_emulator=allow_emulator, records=records)
            results.append(result)
            counts.append(records)
            if on_file is not None:
                on_file(path)
        combined = combine(results, function=function)  # says when no function is named
        summary = ws.import_staged(staging, source=", ".join(str(p) for p in paths),
                                   format=combined.format, lines=combined.lines, parsed=combined.parsed,
                                   ignored=combined.ignored, rejected=len(combined.rejected))
    functions = sorted({str(function or result.function) for result, n in zip(results, counts, strict=True) if n})
    return StagedImport(combined, sum(counts), functions, summary)


def _read_file(path: Path, index: int, staging: Staging, *, format: str | None,
               function: str | None) -> tuple[ParseResult, int]:
    """Parse file ``index`` into ``staging`` as the general path parses it and settle its
    records (named ``function``, or as the file says): in parts where its format allows,
    else whole. Returns its accounting (records left out) and how many records it gave."""
    source = str(path)
    head, whole = _head(path)
    if head is None:
        return _read_whole(path, index, staging, format=format, function=function)
    try:
        read, detection = read_detected(head, format=format, source=source, whole=whole,
                                        read=lambda parser: _read_in_parts(path, index, staging, parser),
                                        has_records=lambda read: read.parsed > 0)
    except SplitTooLateError:
        staging.connection.execute(f"DELETE FROM {staging.parsed} WHERE _file = ?", [index])
        return _read_whole(path, index, staging, format=format, function=function)
    except InputError as error:  # an error in the text: unless the file itself is unreadable
        raise file_error(path) or error from None
    read.result.detections = [detection]
    records = _settle(staging, index, read.timed_out, function or read.result.function)
    read.result.emulator = read.result.emulator or _looks_like_emulator(staging, index, read.init_first)
    return read.result, records


def _read_in_parts(path: Path, index: int, staging: Staging, parser: Parser) -> _Read:
    """Parse file ``index`` with ``parser``, in parts, into ``staging``'s parsed records."""
    assembler = EventAssembler(str(path))
    flush = _Flush(assembler, staging, index)
    try:
        with open_bytes(path) as raw:
            parser.feed(assembler, _decoded(raw), source=str(path), flush=flush)
    except (UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
        error = file_error(path)
        raise error or _unreadable(path, exc) from None
    flush(final=True)
    result = ParseResult(record.empty_frame(), assembler.rejected, assembler.lines, assembler.parsed,
                         assembler.ignored, parser.name, function=assembler.function,
                         emulator=assembler.emulator_marker,
                         kinds=dict(assembler.kinds) if not flush.rows else {})
    return _Read(result, flush.rows, assembler.init_first, assembler.timed_out)


def _read_whole(path: Path, index: int, staging: Staging, *, format: str | None,
                function: str | None) -> tuple[ParseResult, int]:
    """Parse file ``index`` whole, as the general path does, and settle its records."""
    result = parse_text(read_text(path), format=format, source=str(path))
    staging.add(result.records, file=index, first_row=0)
    records = _settle(staging, index, frozenset(), function or result.function)
    result.records = record.empty_frame()  # they are staged
    return result, records


class _Flush:
    """Moves the records an assembler has collected to the staging table, every
    :data:`FLUSH_RECORDS` (or at the end)."""

    def __init__(self, assembler: EventAssembler, staging: Staging, index: int) -> None:
        self.assembler = assembler
        self.staging = staging
        self.index = index
        self.rows = 0

    def __call__(self, *, final: bool = False) -> None:
        if len(self.assembler.columns["request_id"]) < (1 if final else FLUSH_RECORDS):
            return
        records = finish_records(self.assembler.drain(), function="", repeats=False)
        self.staging.add(records, file=self.index, first_row=self.rows)
        self.rows += len(records)


def _decoded(raw: BinaryIO) -> TextIO:
    """``raw`` decoded as UTF-8 text (as the general path decodes it whole), line ends kept."""
    return io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")


def _head(path: Path) -> tuple[str | None, bool]:
    """The head the general path sniffs (None when the text may be base64, which is read
    whole) and whether it is the whole text, after the general path's checks of the file
    (missing, unreadable, empty, binary, not UTF-8).

    Raises:
        NotFoundError, InputError: as :func:`advisor.logs.reader.read_text`.
    """
    try:
        with open_bytes(path) as raw:
            start = raw.read(HEAD_BYTES)
            blank = start
            while blank and not blank.strip():
                blank = raw.read(HEAD_BYTES)
            if b"\x00" in start or not blank.strip():
                raise file_error(path) or InputError(f"{path}: changed while read.")
            raw.seek(0)
            head = _decoded(raw).read(HEAD_BYTES + 1)
    except (UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
        raise file_error(path) or _unreadable(path, exc) from None
    whole = len(head) <= HEAD_BYTES
    head = head[:HEAD_BYTES]
    return (None if may_be_base64(head) else head), whole


def _unreadable(path: Path, exc: Exception) -> InputError:
    """The error for a file that failed while read and passes :func:`file_error` (it changed)."""
    return unreadable_gzip(path, exc) if not isinstance(exc, UnicodeDecodeError) else InputError(
        f"{path}: changed while read ({exc}).", hint="Import it again when it is complete.")


def _settle(staging: Staging, index: int, timed_out: frozenset[str], function: str | None) -> int:
    """Move file ``index``'s parsed records into the settled table, named ``function`` (None:
    none, an error later), as the general path settles a file's records; return how many."""
    con = staging.connection
    ids = sorted(timed_out)
    marked = (f"CASE WHEN status = '{STATUS_SUCCESS}' AND _row IN (SELECT max(_row) FROM "
              f"{staging.parsed} WHERE _file = $file AND list_contains($timed_out, request_id) "
              f"GROUP BY request_id) THEN '{STATUS_TIMEOUT}' ELSE status END"
              if ids else "status")
    partition = ", ".join(CONTENT)
    renamed = {"function": "$function::VARCHAR",
               "request_id": "CASE WHEN attempt > 1 THEN request_id || '#' || attempt ELSE request_id END"}
    columns = ", ".join(f"{renamed.get(name, name)} AS {name}" for name in COLUMNS)
    before = staging.settled_rows()
    con.execute(f"""
        INSERT INTO {staging.settled}
        WITH marked AS (SELECT * REPLACE ({marked} AS status) FROM {staging.parsed} WHERE _file = $file),
             kept AS (SELECT * FROM marked
                      QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY _row) = 1),
             n AS (SELECT *, row_number() OVER (PARTITION BY request_id ORDER BY _row) AS attempt
                   FROM kept)
        SELECT {columns}, _file * {_FILE_ROWS} + _row FROM n""",
                {"file": index, "function": function or "", **({"timed_out": ids} if ids else {})})
    con.execute(f"DELETE FROM {staging.parsed} WHERE _file = ?", [index])
    return staging.settled_rows() - before


def _looks_like_emulator(staging: Staging, index: int, init_first: bool) -> bool:
    """:func:`advisor.logs.records.looks_like_emulator` over file ``index``'s settled records."""
    known, all_equal, emulator_size = staging.connection.execute(
        f"""SELECT count(*), coalesce(bool_and(max_memory_used_mb = memory_mb), false),
                   coalesce(bool_or(memory_mb = ?), false)
            FROM {staging.settled} WHERE {ROW_COLUMN} // {_FILE_ROWS} = ?
              AND memory_mb IS NOT NULL AND max_memory_used_mb IS NOT NULL""",
        [EMULATOR_MEMORY_MB, index]).fetchall()[0]
    return bool(known > 0 and all_equal and (init_first or emulator_size))


def _text_size(path: Path) -> int:
    """About how much text ``path`` holds (a gzip file's is in its trailer, modulo 4 GiB)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            if handle.read(2) != _GZIP_MAGIC or size < 6:
                return size
            handle.seek(-4, 2)
            return max(size, int.from_bytes(handle.read(4), "little"))
    except OSError:
        return 0
