"""Bulk import: large plain-text REPORT logs parsed and stored without Python objects per record.

A stored import of a multi-million-line log spends its time in three places when
records pass through Python: importing pandas, converting the parsed columns to
Python-side frames, and converting them back for the store. This path does none
of that. Each plain file is parsed by the C parser (:func:`advisor.logs.fast.report_scan`,
all cores, rows already in store order), whose records DuckDB reads as an Arrow stream;
a gzip file, or a file with a line the C parser does not vouch for, is parsed by DuckDB
itself (:func:`advisor.logs.fast.record_select`). Either way
:meth:`advisor.workspace.Workspace.insert_select` stores the rows inside the import's
transaction.

It applies when every file is a large plain or gzip text log and every line is canonical;
records already stored for the function are skipped, as by the general path. Otherwise, or
when the rows show something the exact rules treat specially (a file without records, a
repeated request id, emulator output), nothing is stored (the transaction is rolled back)
and :func:`store_report_files` returns None: the caller imports through the general path,
which gives the same result or the right error. ``tests/logs/test_bulk.py`` checks the
stores are equal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.logs.fast import (FORMAT, ReportFile, count_lines_later, open_report_file, parse,
                               record_select, report_scan, scan_select)
from advisor.logs.report import EMULATOR_MEMORY_MB

if TYPE_CHECKING:
    import duckdb

    from advisor.logs._scan import ReportScan
    from advisor.workspace import ImportSummary

#: Parses started by :func:`prefetch`, by the files' identity.
_PREFETCHED: dict[tuple[tuple[str, int, int], ...], _Parsing] = {}
#: Seconds between progress reports while the C parser runs (as DuckDB's, see workspace.py).
PROGRESS_POLL_SECONDS = 0.1
#: Files smaller than this go through the general path (the fast path's threshold).
BULK_MIN_BYTES = 4 * 1024 * 1024
#: Share of the progress bar for the C parser's pass (the rest is DuckDB storing the rows).
PARSE_SHARE = 0.4


class _Declined(Exception):
    """The rows need the general path's rules; roll back and import the files that way."""


@dataclass(frozen=True)
class _Plan:
    """How one file is read: an SQL select of its records and a function giving its lines."""

    select: str
    lines: Callable[[], int]
    scan: ReportScan | None = None

    @classmethod
    def parsed(cls, scan: ReportScan, relation: str) -> _Plan:
        """A file the C parser has read, registered as ``relation``."""
        return cls(scan_select(relation), lambda: scan.lines, scan)

    @classmethod
    def in_sql(cls, source: ReportFile) -> _Plan:
        """A file DuckDB parses; its lines are counted in a thread meanwhile."""
        return cls(record_select(source), count_lines_later(source).result)


def store_report_files(paths: Sequence[Path], *, function: str, workspace: Path | None,
                       allow_emulator: bool = False,
                       on_progress: Callable[[float], None] | None = None) -> ImportSummary | None:
    """Import ``paths`` as records of ``function``, or None if the bulk path declines.

    Args:
        paths: Plain or gzip text log files.
        function: The function the records belong to.
        workspace: Workspace directory (None: the default).
        allow_emulator: Accept local emulator output (otherwise decline it, so that the
            general path refuses it with its message).
        on_progress: Called with the fraction done (0 to 1) while the records are stored.

    Returns:
        The stored counts, or None with nothing stored.
    """
    sources = _sources(paths)
    if sources is None:
        return None
    # The C parser runs without the GIL: DuckDB is loaded and the workspace opened meanwhile
    # (unless the CLI started it even earlier, see prefetch).
    try:
        parsing = _PREFETCHED.pop(_identity(sources), None) or _Parsing(sources)
    except OSError:
        return None  # a file gone or unreadable since it was opened: the general path says so
    finally:
        _PREFETCHED.clear()  # a head start on other files, or on files since changed: unused
    import duckdb

    from advisor.workspace import Workspace

    try:
        with Workspace.open(workspace) as ws:
            scans = parsing.result(on_progress)
            if any(scan is not None and _refused(scan, allow_emulator) for scan in scans):
                return None
            storing = None if on_progress is None else _after_parsing(on_progress, scans)

            def verify(staged: str, per_file: list[int]) -> None:
                distinct, rows, emulator = ws.connection.execute(
                    "SELECT count(DISTINCT request_id), count(*), "
                    "bool_and(max_memory_used_mb = memory_mb) AND bool_or(memory_mb = ?) "
                    f"FROM {staged}", [EMULATOR_MEMORY_MB]).fetchone()
                # A file without records (another service's log) or a repeated request id: the
                # general path says what the file is, or numbers the retries.
                if 0 in per_file or distinct != rows or (emulator and not allow_emulator):
                    raise _Declined

            with _registered(ws.connection, scans) as relations:
                plans = [_Plan.in_sql(source) if scan is None else _Plan.parsed(scan, relation)
                         for source, scan, relation in zip(sources, scans, relations)]
                # One file the C parser read needs no check: it counted its records, repeats
                # and emulator signs already, and its rows come in store order.
                single = len(plans) == 1 and plans[0].scan is not None
                return ws.insert_select(
                    [plan.select for plan in plans], function=function,
                    source=", ".join(str(p) for p in paths), format=FORMAT,
                    lines=lambda: sum(plan.lines() for plan in plans),
                    verify=None if single else verify, ordered=single, on_progress=storing)
    except duckdb.InterruptException:
        raise  # Ctrl-C stops the import; it is no reason to parse the files again
    except (_Declined, duckdb.Error, OSError, EOFError):
        return None  # the general path reports errors
    finally:
        parsing.stop()


def prefetch(paths: Sequence[Path]) -> None:
    """Start parsing ``paths`` in the background, if the bulk path would read them.

    A head start while the CLI is still starting up: parsing needs neither the GIL nor
    DuckDB. :func:`store_report_files` takes the parse over when it gets the same files
    (unchanged); otherwise it is never used.
    """
    _PREFETCHED.clear()  # one at a time: an unused one is dropped
    sources = _sources(paths)
    if sources is None:
        return
    try:
        parsing = _Parsing(sources)
        if parsing.runs:
            _PREFETCHED[_identity(sources)] = parsing
    except OSError:
        pass  # a file gone or unreadable since: the import itself says so


def _sources(paths: Sequence[Path]) -> list[ReportFile] | None:
    """The files as bulk-path sources, or None if any is small, unreadable or not text."""
    sources = []
    for path in map(Path, paths):
        try:
            if not path.is_file() or path.stat().st_size < BULK_MIN_BYTES:
                return None
        except OSError:
            return None
        source = open_report_file(path)
        if source is None:
            return None
        sources.append(source)
    return sources


def _identity(sources: list[ReportFile]) -> tuple[tuple[str, int, int], ...]:
    """Which files, as they are now (a file changed since it was prefetched is parsed again)."""
    stats = [(source.path.resolve(), source.path.stat()) for source in sources]
    return tuple((str(path), stat.st_size, stat.st_mtime_ns) for path, stat in stats)


class _Parsing:
    """The plain files parsed by the C parser in a background thread, one after another."""

    def __init__(self, sources: list[ReportFile]) -> None:
        self._scans = [report_scan(source) for source in sources]
        sizes = [source.path.stat().st_size for source in sources]
        self._sizes = [size if scan is not None else 0 for scan, size in zip(self._scans, sizes)]
        self._failed = [False] * len(sources)
        self._thread = threading.Thread(target=self._run, name="advisor-parse", daemon=True)
        self._thread.start()

    @property
    def runs(self) -> bool:
        """Whether the C parser reads any of the files (not all gzip, built, not switched off)."""
        return any(scan is not None for scan in self._scans)

    def _run(self) -> None:
        for index, scan in enumerate(self._scans):
            # A file the C parser does not vouch for is read by the SQL parser instead.
            self._failed[index] = scan is not None and not parse(scan)

    def _fraction(self) -> float:
        done = sum(size * (scan.progress if scan is not None else 0.0)
                   for scan, size in zip(self._scans, self._sizes))
        return done / (sum(self._sizes) or 1)

    def result(self, on_progress: Callable[[float], None] | None) -> list[ReportScan | None]:
        """Wait for the parse (reporting its progress); the parsed files, None for the rest."""
        while self._thread.is_alive():
            self._thread.join(PROGRESS_POLL_SECONDS)
            if on_progress is not None and any(self._sizes):
                on_progress(PARSE_SHARE * self._fraction())
        return [None if failed else scan for scan, failed in zip(self._scans, self._failed)]

    def stop(self) -> None:
        """Wait for the parser's threads (they cannot be interrupted; the parse is short)."""
        self._thread.join()


def _refused(scan: ReportScan, allow_emulator: bool) -> bool:
    """Whether the general path must read the file: no records, a repeated request id, or
    emulator output (which the general path refuses, or imports when allowed)."""
    return scan.records == 0 or scan.duplicates or (scan.emulator and not allow_emulator)


def _after_parsing(on_progress: Callable[[float], None],
                   scans: list[ReportScan | None]) -> Callable[[float], None]:
    """Progress of storing, drawn after the C parser's share of the bar (if it ran).

    DuckDB cannot estimate how far it is through a stream, so for files the C parser read the
    fraction is that of the records handed over.
    """
    if not any(scan is not None for scan in scans):
        return on_progress
    parsed = [scan for scan in scans if scan is not None]
    total = sum(scan.records for scan in parsed) or 1

    def report(duckdb_fraction: float) -> None:
        handed = sum(scan.exported * scan.records for scan in parsed) / total
        fraction = handed if len(parsed) == len(scans) else duckdb_fraction
        on_progress(PARSE_SHARE + (1.0 - PARSE_SHARE) * fraction)

    return report


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection,
                scans: list[ReportScan | None]) -> Iterator[list[str]]:
    """Register each parsed file as a relation for the statements inside; drop them after."""
    relations = [f"_advisor_scan_{index}" for index in range(len(scans))]
    for relation, scan in zip(relations, scans):
        if scan is not None:
            con.register(relation, scan)
    try:
        yield relations
    finally:
        for relation, scan in zip(relations, scans):
            if scan is not None:
                con.unregister(relation)
