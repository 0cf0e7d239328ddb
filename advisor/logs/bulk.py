"""Bulk import: large plain-text REPORT logs parsed and stored without Python objects per record.

A stored import of a multi-million-line log spends its time in three places when
records pass through Python: importing pandas, converting the parsed columns to
Python-side frames, and converting them back for the store. This path does none
of that. Each plain file is parsed by the C parser (:func:`advisor.logs.fast.report_scan`,
all cores), whose records DuckDB reads as an Arrow stream while they are parsed; a gzip
file, or a file with a line the C parser does not vouch for, is parsed by DuckDB itself
(:func:`advisor.logs.fast.record_select`). Either way
:meth:`advisor.workspace.Workspace.insert_select` stores the rows inside the import's
transaction, and memory stays bounded whatever the size of the files: the C parser keeps
a bounded buffer of records ahead of DuckDB, and DuckDB sorts and stages within its import
memory limit, spilling to disk beyond it.

It applies when every file is a large plain or gzip text log and every line is canonical;
records already stored for the function are skipped, as by the general path. Otherwise, or
when the rows show something the exact rules treat specially (a file without records, a
repeated request id, emulator output), nothing is stored (the transaction is rolled back)
and :func:`store_report_files` returns None: the caller imports through the general path,
which gives the same result or the right error. ``tests/logs/test_bulk.py`` checks the
stores are equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.logs.fast import (
    FORMAT,
    ReportFile,
    count_lines_later,
    open_report_file,
    record_select,
    report_scan,
    scan_select,
)
from advisor.logs.report import EMULATOR_MEMORY_MB

if TYPE_CHECKING:
    import duckdb

    from advisor.logs._scan import ReportScan
    from advisor.workspace import ImportSummary, Workspace

#: The parse started by :func:`prefetch`, by the files' identity.
_PREFETCHED: dict[tuple[tuple[str, int, int], ...], ReportScan] = {}
#: Files smaller than this go through the general path (the fast path's threshold).
BULK_MIN_BYTES = 4 * 1024 * 1024
#: Arrow batches a prefetched parse builds ahead of DuckDB at most: room for about 1.3 M
#: REPORT records (about 100 bytes each), so that the parser keeps the second core busy
#: through the CLI's start-up instead of stopping at the C parser's default 32 MiB.
PREFETCH_QUEUE_BYTES = 128 * 1024 * 1024
#: How each file may be read, in the order they are tried.
C_STORE_ORDER, C_FILE_ORDER, SQL = "c-store-order", "c-file-order", "sql"


class _DeclinedError(Exception):
    """The rows need the general path's rules; roll back and import the files that way."""


@dataclass
class _Plan:
    """How one file is read this time: ``way`` (one of the three above) and its C scan."""

    source: ReportFile
    way: str
    scan: ReportScan | None = None

    @classmethod
    def first(cls, source: ReportFile, *, alone: bool, prefetched: ReportScan | None) -> _Plan:
        """The fastest way that may work: the C parser, in store order when the file is
        stored alone (inserted as it streams), in file order when it is staged (sorted by
        DuckDB anyway); DuckDB's SQL for gzip files or without the C parser."""
        way = C_STORE_ORDER if alone else C_FILE_ORDER
        scan = prefetched if alone and prefetched is not None else report_scan(
            source, store_order=way == C_STORE_ORDER)
        return cls(source, way, scan) if scan is not None else cls(source, SQL)

    def retry(self) -> _Plan | None:
        """The next way to read the file after a try failed because of this plan, or None
        (the try failed for another reason)."""
        if self.scan is None or self.scan.failure is None:
            return None
        if self.scan.out_of_order:
            return _Plan(self.source, C_FILE_ORDER, report_scan(self.source, store_order=False))
        return _Plan(self.source, SQL)  # a line the C parser does not vouch for

    def again(self) -> _Plan:
        """The same way once more (a C scan is read once: a new one)."""
        if self.scan is None:
            return self
        return _Plan(self.source, self.way, report_scan(self.source, store_order=self.way == C_STORE_ORDER))

    def select(self, relation: str) -> str:
        """SQL selecting the file's records (the C scan registered as ``relation``)."""
        return record_select(self.source) if self.scan is None else scan_select(relation)

    def lines(self) -> Callable[[], int]:
        """A function giving the file's line count once its records have been read."""
        scan = self.scan
        return count_lines_later(self.source).result if scan is None else lambda: scan.lines


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
    try:
        prefetched = _PREFETCHED.pop(_identity(sources), None)
    except OSError:
        return None  # a file gone or unreadable since it was opened: the general path says so
    finally:
        _PREFETCHED.clear()  # a head start on other files, or on files since changed: unused
    # The C parser runs without the GIL: DuckDB is loaded and the workspace opened meanwhile
    # (unless the CLI started it even earlier, see prefetch).
    plans = [_Plan.first(source, alone=len(sources) == 1, prefetched=prefetched) for source in sources]
    if prefetched is None:
        for plan in plans[:1]:
            if plan.scan is not None:
                plan.scan.start()
    import duckdb

    from advisor.workspace import Workspace

    try:
        with Workspace.open(workspace) as ws:
            while True:
                try:
                    return _store(ws, plans, function=function, source=", ".join(map(str, paths)),
                                  allow_emulator=allow_emulator, on_progress=on_progress)
                except duckdb.InterruptException:
                    raise
                except duckdb.Error:
                    # The C parser refused a line (DuckDB parses that file) or found the log too
                    # far out of store order (DuckDB sorts it): nothing is stored; once more.
                    retries = [plan.retry() for plan in plans]
                    if not any(retries):
                        raise
                    plans = [retry or plan.again() for plan, retry in zip(plans, retries, strict=True)]
    except duckdb.InterruptException:
        raise  # Ctrl-C stops the import; it is no reason to parse the files again
    except (_DeclinedError, duckdb.Error, OSError, EOFError):
        return None  # the general path reports errors


def _store(ws: Workspace, plans: list[_Plan], *, function: str, source: str, allow_emulator: bool,
           on_progress: Callable[[float], None] | None) -> ImportSummary:
    """One try at storing every file as ``plans`` say, in one transaction (rolled back on error)."""
    con = ws.connection

    def verify(staged: str, per_file: list[int]) -> None:
        # A file without records (another service's log), a repeated request id, or emulator
        # output: the general path says what the file is, numbers the retries, or refuses it.
        if 0 in per_file or any(_refused(plan.scan, allow_emulator) for plan in plans):
            raise _DeclinedError
        counted = all(plan.scan is not None and plan.scan.duplicates is False for plan in plans)
        if len(plans) > 1 or not counted:
            distinct, rows = con.execute(
                f"SELECT count(DISTINCT request_id), count(*) FROM {staged}").fetchall()[0]
            if distinct != rows:
                raise _DeclinedError
        if not allow_emulator and any(plan.scan is None for plan in plans):
            emulated = con.execute(
                "SELECT bool_or(emulator) FROM (SELECT bool_and(max_memory_used_mb = memory_mb) "
                f"AND bool_or(memory_mb = ?) AS emulator FROM {staged} GROUP BY _file)",
                [EMULATOR_MEMORY_MB]).fetchall()[0][0]
            if emulated:
                raise _DeclinedError

    with _registered(con, plans) as relations:
        selects = [plan.select(relation) for plan, relation in zip(plans, relations, strict=True)]
        lines = [plan.lines() for plan in plans]
        return ws.insert_select(
            selects, function=function, source=source, format=FORMAT,
            lines=lambda: sum(count() for count in lines), verify=verify,
            ordered=len(plans) == 1 and plans[0].way == C_STORE_ORDER,
            on_progress=None if on_progress is None else _storing(on_progress, plans))


def prefetch(paths: Sequence[Path]) -> None:
    """Start parsing ``paths`` in the background, if the bulk path would read them.

    A head start while the CLI is still starting up: parsing needs neither the GIL nor
    DuckDB, and the parser keeps a bounded buffer of records until DuckDB reads them.
    :func:`store_report_files` takes the parse over when it gets the same file (unchanged);
    otherwise it is never used. Only a single file is prefetched (several are staged, each
    in its turn). Called again for the same files (unchanged), it keeps the parse it started.
    """
    sources = _sources(paths)
    try:
        identity = None if sources is None or len(sources) != 1 else _identity(sources)
        if identity is not None and identity in _PREFETCHED:
            return
        _PREFETCHED.clear()  # one at a time: an unused one is dropped
        if sources is None or identity is None:
            return
        scan = report_scan(sources[0], store_order=True, queue_bytes=PREFETCH_QUEUE_BYTES)
        if scan is not None:
            scan.start()
            _PREFETCHED[identity] = scan
    except OSError:
        _PREFETCHED.clear()  # a file gone or unreadable since: the import itself says so


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


def _refused(scan: ReportScan | None, allow_emulator: bool) -> bool:
    """Whether the general path must read the file the C parser read: no records, a request
    id maybe repeated, or emulator output (which the general path refuses, or imports when
    allowed)."""
    if scan is None:
        return False
    if scan.failure is not None:
        return True  # out of memory after it had handed over every record
    return scan.records == 0 or bool(scan.duplicates) or (scan.emulator and not allow_emulator)


def _storing(on_progress: Callable[[float], None], plans: list[_Plan]) -> Callable[[float], None]:
    """Progress of storing: the share of the C parser's files handed to DuckDB (DuckDB cannot
    estimate how far it is through a stream), or DuckDB's own estimate for its SQL."""
    scans = [plan.scan for plan in plans if plan.scan is not None]
    if len(scans) < len(plans):
        return on_progress
    sizes = [plan.source.path.stat().st_size for plan in plans]
    total = sum(sizes) or 1

    def report(duckdb_fraction: float) -> None:
        on_progress(sum(size * scan.exported for size, scan in zip(sizes, scans, strict=True)) / total)

    return report


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, plans: list[_Plan]) -> Iterator[list[str]]:
    """Register each C scan as a relation for the statements inside; drop them after."""
    relations = [f"_advisor_scan_{index}" for index in range(len(plans))]
    for relation, plan in zip(relations, plans, strict=True):
        if plan.scan is not None:
            con.register(relation, plan.scan)
    try:
        yield relations
    finally:
        for relation, plan in zip(relations, plans, strict=True):
            if plan.scan is not None:
                con.unregister(relation)
