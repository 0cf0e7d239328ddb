"""Stored imports of large logs in any format, parsed in parts and staged in DuckDB.

The general path (:func:`advisor.logs.reader.read_paths`) reads a whole file into one
string and builds one table of its records: several times the file's size in memory. For
a stored import of large files, :func:`store_staged` reads each file as a stream instead:
text a few megabytes of lines at a time, JSON exports a part of their event array at a
time (:mod:`advisor.logs.jsonstream`), CSV a row at a time, each through the same parser
code as the general path. Every few thousand records, the records parsed so far go to a
temporary DuckDB table, within the workspace's import memory limit (DuckDB spills beyond
it). What the general path decides over a whole file's records is then decided in SQL over
the staged ones: a ``Task timed out`` line marks its request's last record, an event copied
twice is one record, retries of a request id are numbered ``#2``, ``#3``... (as
:func:`advisor.logs.events.finish_records` does), emulator output is refused (as
:func:`advisor.logs.events.looks_like_emulator`). The records, counts, rejections and
errors are the general path's; ``tests/logs/test_staged.py`` compares the stores.

A file that cannot be read in parts (bare subscription data, a JSON document with a key
that matters after its event array) is read whole, as by the general path.
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from advisor.errors import InputError, UsageError
from advisor.logs._base import Parser, Rejection
from advisor.logs.events import CONTENT, EventAssembler, finish_records
from advisor.logs import jsonstream
from advisor.logs.jsonstream import SplitTooLate, iter_documents
from advisor.logs.reader import (HEAD_BYTES, binary_file, cannot_read, check_counts,
                                 choose_parser, empty_file, may_be_subscription_data, not_utf8,
                                 open_bytes, read_path, unreadable_gzip)
from advisor.logs.report import EMULATOR_MEMORY_MB
from advisor.logs.text import LineState, TextParser, feed_lines
from advisor.record import COLUMNS, STATUS_SUCCESS, STATUS_TIMEOUT
from advisor.workspace import ROW_COLUMN

if TYPE_CHECKING:
    from advisor.logs.importing import ImportOutcome
    from advisor.workspace import Staging

#: Stored imports whose files hold this much text (decompressed) are staged: smaller ones
#: are read whole (the general path's own threshold for large files).
STAGED_MIN_BYTES = 4 * 1024 * 1024
#: Records parsed before they go to DuckDB.
FLUSH_RECORDS = 50_000
#: Characters of text read at a time.
_READ_CHARS = 4 << 20
_GZIP_MAGIC = b"\x1f\x8b"
#: The input order of a settled record: its file's index times this, plus its place in it.
_FILE_ROWS = 1 << 40


@dataclass
class _File:
    """What one file gave: its accounting (as a ParseResult has it) and what the SQL needs."""

    path: Path
    index: int
    format: str
    lines: int = 0
    parsed: int = 0
    ignored: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    function: str | None = None
    emulator_marker: bool = False
    init_first: bool = False
    timed_out: frozenset[str] = frozenset()
    records: int = 0


def applies(paths: Sequence[Path]) -> bool:
    """Whether a stored import of ``paths`` is staged: they hold at least
    :data:`STAGED_MIN_BYTES` of text."""
    return sum(_text_size(Path(path)) for path in paths) >= STAGED_MIN_BYTES


def store_staged(paths: Sequence[Path], *, function: str | None, format: str | None,
                 strict: bool, allow_emulator: bool, workspace: Path | None,
                 on_file: Callable[[Path], None] | None = None) -> ImportOutcome:
    """Import ``paths`` as the general path does (:func:`advisor.logs.read_paths`, then
    :meth:`advisor.workspace.Workspace.import_records`), parsing them in parts.

    Raises:
        UsageError, InputError, NotFoundError: as the general path.
    """
    from advisor.logs.importing import ImportOutcome
    from advisor.logs.reader import LOG_FORMATS, format_names
    from advisor.workspace import Workspace

    if format is not None and format not in LOG_FORMATS:
        raise UsageError(f"unknown --format {format!r}.", hint=f"Use one of: {format_names()}.")
    with Workspace.open(workspace) as ws, ws.staging() as staging:
        files = []
        for index, path in enumerate(map(Path, paths)):
            files.append(_read(path, index, staging, format=format, function=function))
            _check(files[-1], staging, strict=strict, allow_emulator=allow_emulator)
            if on_file is not None:
                on_file(path)
        names = [function or file.function for file in files]
        if not all(names):
            raise UsageError("no function name: the input does not say which function it is.",
                             hint="Pass --function NAME.")
        rejected = [rejection for file in files for rejection in file.rejected]
        counts = {"lines": sum(f.lines for f in files), "parsed": sum(f.parsed for f in files),
                  "ignored": sum(f.ignored for f in files), "rejected": len(rejected),
                  "records": sum(f.records for f in files)}
        formats = "+".join(sorted({file.format for file in files}))
        summary = ws.import_staged(staging, source=", ".join(str(p) for p in paths), format=formats,
                                   lines=counts["lines"], parsed=counts["parsed"],
                                   ignored=counts["ignored"], rejected=counts["rejected"])
    distinct = sorted(set(names))
    return ImportOutcome(distinct[0] if len(distinct) == 1 else None, formats, counts, rejected,
                         summary=summary)


def _read(path: Path, index: int, staging: Staging, *, format: str | None,
          function: str | None) -> _File:
    """Parse file ``index`` into ``staging`` and settle its records (named ``function``, or
    as the file says): in parts where its format allows, else whole."""
    source = str(path)
    head = _head(path)
    if head is None:  # bare subscription data: one token, read whole
        return _read_whole(path, index, staging, format=format, function=function)
    parser = choose_parser(head, format=format, source=source)
    assembler = EventAssembler(source)
    file = _File(path, index, parser.name)
    flush = _Flush(assembler, staging, index)
    try:
        with open_bytes(path) as raw:
            _feed(parser, raw, assembler, flush, source=source)
    except SplitTooLate:
        staging.connection.execute(f"DELETE FROM {staging.parsed} WHERE _file = ?", [index])
        return _read_whole(path, index, staging, format=format, function=function)
    except UnicodeDecodeError:
        raise not_utf8(path, _utf8_error_at(path)) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc) from None
    flush(final=True)
    file.lines, file.parsed, file.ignored = assembler.lines, assembler.parsed, assembler.ignored
    file.rejected = assembler.rejected
    file.function = assembler.function
    file.emulator_marker, file.init_first = assembler.emulator_marker, assembler.init_first
    file.timed_out = assembler.timed_out
    file.records = _settle(staging, file, function or file.function)
    return file


def _read_whole(path: Path, index: int, staging: Staging, *, format: str | None,
                function: str | None) -> _File:
    """Parse file ``index`` whole (the general path's parse; its records are settled)."""
    result = read_path(path, format=format, strict=False, allow_emulator=True)
    staging.add(result.records, file=index, first_row=0)
    file = _File(path, index, result.format, result.lines, result.parsed, result.ignored,
                 result.rejected, result.function, emulator_marker=result.emulator)
    file.records = _settle(staging, file, function or file.function)
    return file


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


def _feed(parser: Parser, raw: BinaryIO, assembler: EventAssembler, flush: _Flush, *,
          source: str) -> None:
    """Parse the (decompressed) bytes ``raw`` with ``parser``'s own code, in parts."""
    if isinstance(parser, TextParser):
        _feed_text(_decoded(raw, newline="\n"), assembler, flush)
    elif hasattr(parser, "add_rows"):
        text = _decoded(raw, newline="")
        lead = text.read(1)
        while lead and lead in parser.lead:
            lead = text.read(1)
        lines = itertools.chain([lead + text.readline()] if lead else [], text)
        parser.add_rows(assembler, _flushing(lines, flush), source=source)
    else:
        keys = getattr(parser, "document_keys", None)
        for document in iter_documents(_decoded(raw, newline="\n"), source=source, keys=keys,
                                       part=jsonstream.PART):
            parser.add_document(assembler, document, source=source)
            flush()


def _feed_text(text: TextIO, assembler: EventAssembler, flush: _Flush) -> None:
    """Physical lines, as TextParser.parse splits them, fed a few megabytes at a time."""
    state, pending, first_line = LineState(), [], 1
    while True:
        chunk = text.readlines(_READ_CHARS)
        for line in chunk:
            line = line[:-1] if line.endswith("\n") else line
            pending.append(line[:-1] if line.endswith("\r") else line)
        fed = feed_lines(assembler, pending, first_line=first_line, state=state, final=not chunk)
        first_line += fed
        pending = pending[fed:]
        flush()
        if not chunk:
            return


def _flushing(lines: Iterator[str], flush: _Flush) -> Iterator[str]:
    """``lines``, moving the parsed records to DuckDB every few thousand lines."""
    for count, line in enumerate(lines, 1):
        yield line
        if count % 10_000 == 0:
            flush()


def _decoded(raw: BinaryIO, *, newline: str) -> TextIO:
    """``raw`` decoded as UTF-8 text (as the general path decodes it whole)."""
    return io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline=newline)


def _head(path: Path) -> str | None:
    """The decoded head the general path sniffs, after its checks of the file (missing,
    unreadable, empty, binary, not UTF-8); None for bare subscription data."""
    try:
        with open_bytes(path) as raw:
            head = raw.read(HEAD_BYTES)
            if b"\x00" in head:
                raise binary_file(path)
            blank = head
            while blank and not blank.strip():
                blank = raw.read(1 << 20)
            if not blank.strip():
                raise empty_file(path)
            raw.seek(0)
            first = _decoded(raw, newline="\n").read(HEAD_BYTES)
    except UnicodeDecodeError:
        raise not_utf8(path, _utf8_error_at(path)) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc) from None
    return None if may_be_subscription_data(first) else first


def _unreadable(path: Path, exc: Exception) -> InputError:
    """The general path's error for a file that failed while read (gzip, or the system)."""
    if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile):
        return cannot_read(path, exc)
    return unreadable_gzip(path, exc)


def _utf8_error_at(path: Path) -> int:
    """Where the (decompressed) bytes of ``path`` stop being UTF-8 (as bytes.decode says)."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open_bytes(path) as raw:
        while True:
            chunk = raw.read(1 << 20)
            held = len(utf8.getstate()[0])  # the bytes of a character the last chunk began
            try:
                utf8.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset - held + exc.start
            if not chunk:
                return offset
            offset += len(chunk)


def _settle(staging: Staging, file: _File, function: str | None) -> int:
    """Move file ``file``'s parsed records into the settled table, named ``function`` (None:
    none, an error later), as the general path settles a file's records; return how many."""
    con = staging.connection
    timed_out = sorted(file.timed_out)
    marked = (f"CASE WHEN status = '{STATUS_SUCCESS}' AND _row IN (SELECT max(_row) FROM "
              f"{staging.parsed} WHERE _file = $file AND list_contains($timed_out, request_id) "
              f"GROUP BY request_id) THEN '{STATUS_TIMEOUT}' ELSE status END"
              if timed_out else "status")
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
                {"file": file.index, "function": function or "",
                 **({"timed_out": timed_out} if timed_out else {})})
    con.execute(f"DELETE FROM {staging.parsed} WHERE _file = ?", [file.index])
    return staging.settled_rows() - before


def _check(file: _File, staging: Staging, *, strict: bool, allow_emulator: bool) -> None:
    """The general path's checks of one file (:func:`advisor.logs.reader.check`), its emulator
    test (:func:`advisor.logs.events.looks_like_emulator`) in SQL."""
    known, all_equal, emulator_size = staging.connection.execute(
        f"""SELECT count(*), coalesce(bool_and(max_memory_used_mb = memory_mb), false),
                   coalesce(bool_or(memory_mb = ?), false)
            FROM {staging.settled} WHERE {ROW_COLUMN} // {_FILE_ROWS} = ?
              AND memory_mb IS NOT NULL AND max_memory_used_mb IS NOT NULL""",
        [EMULATOR_MEMORY_MB, file.index]).fetchall()[0]
    emulator = file.emulator_marker or (known > 0 and all_equal and (file.init_first or emulator_size))
    check_counts(source=str(file.path), rejected=file.rejected, emulator=emulator,
                 records=file.records, lines=file.lines, strict=strict, allow_emulator=allow_emulator)


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
