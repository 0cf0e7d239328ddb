"""The embedded workspace: functions, invocation records, the import log and resumable state.

One DuckDB file (``advisor.duckdb``) inside the workspace directory (default
``./.advisor``, or ``$ADVISOR_HOME``). DuckDB was chosen by ``bench/bench_store.py``:
it de-duplicates 10 million records with one hash anti-join, keeps them compressed
column-wise, and aggregates percentiles over them in SQL faster than SQLite or a
directory of Parquet files read with pyarrow (see ``docs/workspace.md``).

Every import is one transaction: the records, the functions they name and the
import-log row are committed together or not at all, also when the process is
interrupted or killed (DuckDB only makes a transaction durable at commit).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import duckdb

from advisor.errors import AdvisorError, InputError, NotFoundError, UsageError
from advisor.location import resolve_path
from advisor.record import COLUMNS, REPORT_COLUMNS, TYPES, arrow_schema, conform, report_start_sql

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

DB_FILENAME = "advisor.duckdb"
#: How often a bulk insert's written rows are flushed to disk ahead of its commit.
WRITEBACK_SECONDS = 0.1
#: 2: the traffic's records in two tables behind the ``invocations`` view (was one table).
SCHEMA_VERSION = "2"
#: Test hook: when set to a path, an import creates that file inside its open
#: transaction and then waits, so a test can kill the process at that point.
PAUSE_ENV = "ADVISOR_TEST_PAUSE_IN_IMPORT"
PAUSE_SECONDS = 600.0
#: The temporary relation holding a bulk import's rows while they are checked.
_STAGED = "_advisor_staged"
#: DuckDB's memory while it imports (sorting, staging, de-duplicating), in MB: beyond it,
#: DuckDB spills to its temporary directory beside the database, so an import's memory does
#: not grow with its input (``bench/bench_import_memory.py``, docs/import.md). Its readers
#: and sorts hold buffers of their own on every thread, so it grows with the cores.
IMPORT_MEMORY_MB = 256
#: DuckDB inserts on one thread only when it has less than about this much a thread (in
#: 2 threads, 192 MB made the insert of 2M records single-threaded: 1.1 s against 0.6 s).
IMPORT_MEMORY_MB_PER_THREAD = 128
#: Set to a DuckDB size ("1GB") to give imports more memory (or less).
IMPORT_MEMORY_ENV = "ADVISOR_IMPORT_MEMORY"
#: How often a long insert's progress is read (seconds).
PROGRESS_POLL_SECONDS = 0.1

#: Configuration columns of a function, in table order.
CONFIG_FIELDS: tuple[str, ...] = (
    "memory_mb",
    "architecture",
    "runtime",
    "package_type",
    "log_group",
    "log_format",
    "region",
)
_TIME_COLUMNS = ("start_time", "end_time")
#: Input position of each incoming record: the first copy of a repeated key wins.
ROW_COLUMN = "_input_row"
#: Which select of a bulk import a staged row came from (see Workspace.insert_select).
_FILE = "_file"
_SQL_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP_NS",
    "double": "DOUBLE",
    "int64": "BIGINT",
}
_NOT_NULL = {"function", "request_id", "duration_ms", "status"}

#: A function's traffic: every record imported from logs and traces, with every record
#: column. A view of the two tables below; read it, write them.
TRAFFIC_TABLE: Final = "invocations"
#: The traffic's records as the exact parsers and the trace readers give them.
RECORDS_TABLE: Final = "invocation_records"
#: The traffic's records from plain REPORT lines, as the bulk import stores them: only the
#: columns such a line fills (:data:`advisor.record.REPORT_COLUMNS`), and not the start time,
#: which the view derives from the end, the duration and the init time as the parsers do.
#: Every column costs DuckDB about as much to store when it is null as when it is not: the
#: five left out made a 2,000,000-record import's insert 25% more work (docs/import.md).
REPORT_TABLE: Final = "report_records"
#: Its columns, in record order.
REPORT_STORED: Final = tuple(name for name in REPORT_COLUMNS if name != "start_time")
#: The records of the invocations ``advisor tune`` made itself: measurements, never traffic.
#: A table of their own (not a flag column: any column the bulk import leaves to a default
#: made a 2,000,000-record import 30% slower).
TUNING_TABLE: Final = "tuning_invocations"
#: Results imported from AWS Lambda Power Tuning (``advisor import powertuning``): one row per
#: function, memory size, architecture and run; figures, not invocation records.
POWERTUNING_TABLE: Final = "powertuning_results"
#: Its columns, in order, as :meth:`Workspace.import_powertuning` takes them (``key``: the
#: identity of a result, so that a re-import adds nothing; see ``advisor.powertuning.importing``).
POWERTUNING_COLUMNS: Final = ("key", "function", "memory_mb", "architecture", "mean_duration_ms", "cost",
                              "currency", "invocations", "discard_top_bottom", "exact", "source")
#: What a duplicate may fill in or refine (see :meth:`Workspace.import_powertuning`).
_POWERTUNING_MERGED = ("architecture", "mean_duration_ms", "cost", "invocations", "discard_top_bottom", "source")

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS functions (
        name VARCHAR PRIMARY KEY, memory_mb BIGINT, architecture VARCHAR, runtime VARCHAR,
        package_type VARCHAR, log_group VARCHAR, log_format VARCHAR, region VARCHAR,
        updated_at TIMESTAMP)""",
    *(f"CREATE TABLE IF NOT EXISTS {table} ("
      + ", ".join(
          f"{name} {_SQL_TYPES[TYPES[name]]}" + (" NOT NULL" if name in _NOT_NULL else "")
          + (" USING COMPRESSION uncompressed" if name == "request_id" else "")
          for name in columns
      )
      + ")" for table, columns in ((RECORDS_TABLE, COLUMNS), (REPORT_TABLE, REPORT_STORED),
                                   (TUNING_TABLE, COLUMNS))),
    f"CREATE VIEW IF NOT EXISTS {TRAFFIC_TABLE} AS SELECT {', '.join(COLUMNS)} FROM {RECORDS_TABLE} "
    f"UNION ALL SELECT "
    + ", ".join(name if name in REPORT_STORED
                else f"{report_start_sql('epoch_ns(end_time)')} AS {name}" if name == "start_time"
                else f"NULL::{_SQL_TYPES[TYPES[name]]} AS {name}" for name in COLUMNS)
    + f" FROM {REPORT_TABLE}",
    """CREATE SEQUENCE IF NOT EXISTS import_ids START 1""",
    """CREATE TABLE IF NOT EXISTS imports (
        id BIGINT PRIMARY KEY, imported_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL,
        format VARCHAR NOT NULL, lines BIGINT, parsed BIGINT, ignored BIGINT, rejected BIGINT,
        added BIGINT NOT NULL, duplicates BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    # False when every import of the function came from a source that does not record cold
    # starts (a public trace without init times); NULL or True: its records say which were cold.
    """ALTER TABLE functions ADD COLUMN IF NOT EXISTS records_cold_starts BOOLEAN""",
    f"""CREATE TABLE IF NOT EXISTS {POWERTUNING_TABLE} (
        key VARCHAR PRIMARY KEY, function VARCHAR NOT NULL, memory_mb BIGINT NOT NULL,
        architecture VARCHAR, mean_duration_ms DOUBLE NOT NULL, cost DOUBLE, currency VARCHAR NOT NULL,
        invocations BIGINT, discard_top_bottom DOUBLE, exact BOOLEAN NOT NULL, source VARCHAR NOT NULL,
        imported_at TIMESTAMP NOT NULL)""",
]


@dataclass(frozen=True)
class FunctionInfo:
    """A function known to the workspace, with its configuration when known."""

    name: str
    memory_mb: int | None = None
    architecture: str | None = None
    runtime: str | None = None
    package_type: str | None = None
    log_group: str | None = None
    log_format: str | None = None
    region: str | None = None
    updated_at: datetime | None = None
    invocations: int = 0
    records_cold_starts: bool = True


@dataclass(frozen=True)
class FunctionListing:
    """One function as ``advisor functions`` lists it: what is stored of it and over when."""

    info: FunctionInfo
    first_end: datetime | None
    last_end: datetime | None
    memory_sizes: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ISO 8601 UTC times, ``None`` for what is unknown."""
        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat().replace("+00:00", "Z")

        return {
            "name": self.info.name, "invocations": self.info.invocations,
            "first_end": iso(self.first_end), "last_end": iso(self.last_end),
            "memory_mb": self.info.memory_mb, "memory_sizes": list(self.memory_sizes),
            "architecture": self.info.architecture, "region": self.info.region,
            "records_cold_starts": self.info.records_cold_starts,
        }


@dataclass(frozen=True)
class ImportSummary:
    """What one import stored: ``added`` new records, ``duplicates`` already present."""

    import_id: int
    source: str
    format: str
    lines: int
    parsed: int
    ignored: int
    rejected: int
    added: int
    duplicates: int


class Workspace:
    """An open workspace. Use :meth:`open`; close it (or use it as a context manager).

    Args:
        path: The workspace directory.
        connection: An open DuckDB connection on its database file.
    """

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self._con = connection

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None) -> Workspace:
        """Open (creating if needed) the workspace at ``path``.

        Args:
            path: Workspace directory; ``None`` means ``$ADVISOR_HOME`` or ``./.advisor``.

        Raises:
            InputError: the path is not a directory, the database is locked by another
                process, or the file is not an advisor workspace.
        """
        directory = resolve_path(path)
        if directory.exists() and not directory.is_dir():
            raise InputError(
                f"workspace {directory} is a file, not a directory.",
                hint="Pass --workspace DIR (or set ADVISOR_HOME) to a directory.",
            )
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create workspace {directory}: {exc.strerror or exc}.",
                hint="Pass --workspace DIR (or set ADVISOR_HOME) to a directory you can write.",
            ) from None
        con = _connect(directory / DB_FILENAME)
        workspace = cls(directory, con)
        workspace._create_schema()
        return workspace

    def close(self) -> None:
        """Close the database connection (idempotent)."""
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db_path(self) -> Path:
        """The DuckDB file holding everything."""
        return self.path / DB_FILENAME

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for analyses that aggregate in SQL (read only, by convention)."""
        return self._con

    def _create_schema(self) -> None:
        with self._transaction():
            # Schema 1 kept the traffic in one table of that name: it becomes the records table.
            if self._number("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                            "AND schema_name = 'main' AND table_name = ?", [TRAFFIC_TABLE]):
                self._con.execute(f"ALTER TABLE {TRAFFIC_TABLE} RENAME TO {RECORDS_TABLE}")
            for statement in _DDL:
                self._con.execute(statement)
            self._con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                [SCHEMA_VERSION],
            )

    @contextmanager
    def _bounded_memory(self) -> Iterator[None]:
        """DuckDB's memory limited to :func:`import_memory_limit` inside (spilling beyond it).

        Raises:
            AdvisorError: DuckDB needed more than that.
        """
        limit = import_memory_limit()
        try:
            self._con.execute("SET memory_limit = ?", [limit])
        except duckdb.Error as exc:
            raise UsageError(f"{IMPORT_MEMORY_ENV}={limit!r} is not a memory size ({exc}).",
                             hint="Give a size such as 512MB or 2GB.") from None
        try:
            yield
        except duckdb.OutOfMemoryException:
            raise AdvisorError(f"the import needed more than its memory limit ({limit}).",
                               hint=f"Set {IMPORT_MEMORY_ENV} higher (for instance 1GB).") from None
        finally:
            self._con.execute("RESET memory_limit")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    # -- functions ---------------------------------------------------------------------------

    def upsert_function(self, name: str, **config: Any) -> None:
        """Add ``name`` or update the given configuration fields (others are kept).

        Args:
            name: Function name.
            **config: Any of ``memory_mb, architecture, runtime, package_type, log_group,
                log_format, region``; ``None`` values are ignored.
        """
        unknown = set(config) - set(CONFIG_FIELDS)
        if unknown:
            raise TypeError(f"unknown function configuration fields {sorted(unknown)}")
        given = {key: value for key, value in config.items() if value is not None}
        with self._transaction():
            self._upsert_function(name, given)

    def _upsert_function(self, name: str, config: dict[str, Any]) -> None:
        columns = ["name", *config, "updated_at"]
        updates = ", ".join(f"{key} = excluded.{key}" for key in [*config, "updated_at"])
        self._con.execute(
            f"INSERT INTO functions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT (name) DO UPDATE SET {updates}",
            [name, *config.values(), _utcnow()],
        )

    def function(self, name: str) -> FunctionInfo:
        """The function called ``name``.

        Raises:
            NotFoundError: no such function; the message lists the known ones.
        """
        for info in self.functions():
            if info.name == name:
                return info
        raise NotFoundError(f"function {name!r} is not in workspace {self.path}.", hint=self._known_hint())

    def _known_hint(self) -> str:
        names = [info.name for info in self.functions()]
        if not names:
            return "The workspace is empty: import logs first (advisor import logs|cloudwatch ...)."
        return "Known functions: " + ", ".join(names) + "."

    def functions(self) -> list[FunctionInfo]:
        """Every known function with its configuration and stored invocation count, by name."""
        rows = self._con.execute(
            f"""SELECT f.name, {', '.join('f.' + c for c in CONFIG_FIELDS)}, f.updated_at,
                       coalesce(c.n, 0), coalesce(f.records_cold_starts, true)
                FROM functions f
                LEFT JOIN (SELECT function, count(*) AS n FROM {TRAFFIC_TABLE} GROUP BY function) c
                  ON c.function = f.name
                ORDER BY f.name"""
        ).fetchall()
        return [_function_info(row) for row in rows]

    def listing(self) -> list[FunctionListing]:
        """Every function with the time span and memory sizes of its stored invocations, by name."""
        spans = {
            row[0]: row[1:]
            for row in self._con.execute(
                "SELECT function, min(end_time), max(end_time), list(DISTINCT memory_mb ORDER BY memory_mb) "
                f"FILTER (WHERE memory_mb IS NOT NULL) FROM {TRAFFIC_TABLE} GROUP BY function"
            ).fetchall()
        }
        out = []
        for info in self.functions():
            first, last, sizes = spans.get(info.name, (None, None, None))
            out.append(FunctionListing(info, _aware(first), _aware(last), tuple(sizes or ())))
        return out

    # -- invocations -------------------------------------------------------------------------

    def import_records(
        self,
        records: pd.DataFrame,
        *,
        source: str,
        format: str,
        lines: int,
        parsed: int,
        ignored: int,
        rejected: int,
        records_cold_starts: bool = True,
        tuning: bool = False,
    ) -> ImportSummary:
        """Store ``records`` atomically, skipping any (function, request_id) already stored.

        Records repeated inside ``records`` are stored once (the first copy). The functions they name are
        added to the function table, and one import-log row is written, in the same
        transaction: after an exception, Ctrl-C or a kill nothing of it remains.

        Args:
            records: A table with the :mod:`advisor.record` columns.
            source: Where the records came from (paths, log group, URL).
            format: The format name the parser used.
            lines: Input lines read.
            parsed: Lines that produced records.
            ignored: Lines that carry no record (application output, START/END).
            rejected: Lines that looked like records but could not be parsed.
            records_cold_starts: Whether the source says which requests were cold starts (a
                public trace without init times does not: analyses then say "unknown").
            tuning: The records are invocations ``advisor tune`` made (measurements): stored
                in a table of their own, so that analyses and replays of the function's
                traffic never see them.

        Returns:
            The counts, with the import id.
        """
        table = _to_store_arrow(records)
        self._con.register("_incoming", table)
        try:
            with self._bounded_memory():
                return self._import("_incoming", table.num_rows, source=source, format=format,
                                    counts=(lines, parsed, ignored, rejected),
                                    records_cold_starts=records_cold_starts, tuning=tuning)
        finally:
            self._con.unregister("_incoming")

    @contextmanager
    def staging(self) -> Iterator[Staging]:
        """Temporary tables for records parsed in parts (see :class:`Staging`), within the
        import memory limit (DuckDB spills beyond it); dropped after."""
        with self._bounded_memory():
            staging = Staging(self._con)
            try:
                yield staging
            finally:
                staging.drop()

    def import_staged(self, staging: Staging, *, source: str, format: str, lines: int,
                      parsed: int, ignored: int, rejected: int) -> ImportSummary:
        """Store the settled records of ``staging`` as :meth:`import_records` stores a table:
        atomically, the first of repeated keys in input order, skipping what is stored."""
        with self._bounded_memory():
            return self._import(staging.settled, staging.settled_rows(), source=source,
                                format=format, counts=(lines, parsed, ignored, rejected))

    def _import(self, relation: str, incoming: int, *, source: str, format: str,
                counts: tuple[int, int, int, int], records_cold_starts: bool = True,
                tuning: bool = False) -> ImportSummary:
        """Store the records of ``relation`` (record columns and ROW_COLUMN) in one transaction."""
        with self._transaction():
            added = self._insert_new(relation, tuning=tuning)
            self._add_functions(f"SELECT DISTINCT function FROM {relation}",
                                records_cold_starts=records_cold_starts)
            _pause_for_tests()
            import_id = self._log_import(source, format, *counts, added, incoming - added)
        return ImportSummary(import_id, source, format, *counts, added, incoming - added)

    def _add_functions(self, names: str, *, records_cold_starts: bool) -> None:
        """Add the functions the SQL ``names`` selects to the function table (if new), and note
        whether their records say which requests were cold starts."""
        self._con.execute(f"INSERT INTO functions (name, updated_at) SELECT DISTINCT *, ? FROM ({names}) "
                          "ON CONFLICT DO NOTHING", [_utcnow()])
        self._con.execute(
            "UPDATE functions SET records_cold_starts = coalesce(records_cold_starts, false) OR ? "
            f"WHERE name IN ({names})", [records_cold_starts])

    def insert_select(
        self,
        selects: Sequence[str],
        *,
        function: str,
        source: str,
        format: str,
        lines: Callable[[], int],
        verify: Callable[[str, list[int]], None] | None = None,
        ordered: bool = False,
        on_progress: Callable[[float], None] | None = None,
    ) -> ImportSummary:
        """Store the rows of SQL ``selects`` (one per input file) as records of ``function``.

        The bulk path of large imports: DuckDB computes each select (the columns of
        :data:`~advisor.record.REPORT_COLUMNS` but ``function``, in order) and writes its rows
        into the store (:data:`REPORT_TABLE`), with no round trip through Python, in one
        transaction. Rows whose request id is already stored for ``function``
        are skipped, as by :meth:`import_records`; the selected rows must not repeat a request
        id among themselves (``verify`` can refuse them). Every selected row counts as a
        parsed line; ``lines()`` gives the input's line count (called after the insert, so
        counting can overlap it).

        A function's first import from one select is inserted straight from it; otherwise
        the rows are staged in a temporary table first, to be checked against the stored
        records.

        Args:
            selects: SQL statements, each yielding the REPORT columns except ``function``.
            function: The function the records belong to.
            source: Where the records came from.
            format: The format name the parser used.
            lines: Returns the number of input lines read.
            verify: Called inside the transaction with the name of a relation holding the
                selected rows (query it through :attr:`connection`; its column ``_file`` is the
                index of the select each row came from) and the number of rows of each
                select; raising aborts the import.
            ordered: The single select's rows come in store order (end time, then request
                id) already, so a first import need not sort them.
            on_progress: Called from another thread, about ten times a second, with the
                fraction of the current statement done (DuckDB's own estimate, 0 to 1).

        Returns:
            The counts, with the import id.
        """
        columns = ", ".join(REPORT_STORED)
        with _writing_back(self.db_path), self._bounded_memory(), self._transaction():
            stored = self._number(f"SELECT count(*) FROM {TRAFFIC_TABLE} WHERE function = ?", [function])
            if stored or len(selects) != 1:
                counts, added = self._insert_staged(selects, function, verify, on_progress)
            else:
                # Stored sorted by end time so time windows skip whole row groups (and by
                # request id, so that records at the same instant always read back in one order).
                with _reporting_progress(self._con, on_progress):
                    added = self._number(
                        f"INSERT INTO {REPORT_TABLE} ({columns}) SELECT ? AS function, "
                        f"{', '.join(REPORT_STORED[1:])} "
                        f"FROM ({selects[0]}){'' if ordered else ' ORDER BY end_time, request_id'}",
                        [function])
                counts = [added]
                if verify is not None:
                    self._con.execute(f"CREATE TEMP VIEW {_STAGED} AS SELECT *, 0 AS {_FILE} "
                                      f"FROM {REPORT_TABLE} WHERE function = {_sql_literal(function)}")
                    verify(_STAGED, counts)
                    self._con.execute(f"DROP VIEW {_STAGED}")
            incoming = sum(counts)
            self._add_functions(f"SELECT {_sql_literal(function)}", records_cold_starts=True)
            _pause_for_tests()
            total = lines()
            import_id = self._log_import(source, format, total, incoming, total - incoming, 0, added,
                                         incoming - added)
        return ImportSummary(import_id, source, format, total, incoming, total - incoming, 0, added,
                             incoming - added)

    def _insert_staged(self, selects: Sequence[str], function: str,
                       verify: Callable[[str, list[int]], None] | None,
                       on_progress: Callable[[float], None] | None) -> tuple[list[int], int]:
        """Stage ``selects``, verify them, insert the rows not yet stored: (counts, added)."""
        columns = ", ".join(REPORT_STORED)
        counts = []
        for index, select in enumerate(selects):
            head = (f"CREATE TEMP TABLE {_STAGED} AS" if index == 0
                    else f"INSERT INTO {_STAGED}")
            with _reporting_progress(self._con, on_progress):
                counts.append(self._number(
                    f"{head} SELECT ? AS function, *, {index} AS {_FILE} FROM ({select})", [function]))
        if verify is not None:
            verify(_STAGED, counts)
        added = self._number(
            f"""INSERT INTO {REPORT_TABLE} ({columns})
                SELECT {', '.join('n.' + c for c in REPORT_STORED)} FROM {_STAGED} n
                ANTI JOIN {TRAFFIC_TABLE} i ON i.function = n.function AND i.request_id = n.request_id
                ORDER BY n.end_time, n.request_id""")
        self._con.execute(f"DROP TABLE {_STAGED}")
        return counts, added

    def _insert_new(self, relation: str, *, tuning: bool = False) -> int:
        columns = ", ".join(COLUMNS)
        # The first copy (in input order) of each key, unless the key is already stored;
        # stored sorted by end time so time windows skip whole row groups.
        return self._number(
            f"""INSERT INTO {TUNING_TABLE if tuning else RECORDS_TABLE} ({columns})
                SELECT {', '.join('n.' + c for c in COLUMNS)} FROM {relation} n
                SEMI JOIN (SELECT min({ROW_COLUMN}) AS first FROM {relation} GROUP BY function, request_id) k
                    ON n.{ROW_COLUMN} = k.first
                ANTI JOIN {TUNING_TABLE if tuning else TRAFFIC_TABLE} i
                    ON i.function = n.function AND i.request_id = n.request_id
                ORDER BY n.function, n.end_time, n.request_id""")

    def _log_import(self, source: str, format: str, *counts: int) -> int:
        return self._number(
            "INSERT INTO imports VALUES (nextval('import_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [_utcnow(), source, format, *counts])

    def _number(self, sql: str, params: Sequence[object] = ()) -> int:
        """The one number ``sql`` returns: a count, the rows an INSERT wrote, a new id."""
        row = self._con.execute(sql, list(params)).fetchone()
        assert row is not None  # aggregates, INSERTs and RETURNING of one row return one row
        return int(row[0])

    def invocations(
        self, function: str, *, since: datetime | None = None, until: datetime | None = None,
        tuning: bool | None = False,
    ) -> pd.DataFrame:
        """The stored records of ``function`` with ``since <= end_time < until``, by start/end.

        ``tuning``: False (default) for the function's traffic, True for the invocations
        ``advisor tune`` made, None for both.

        Raises:
            NotFoundError: the function is unknown.
        """
        import numpy as np
        import pyarrow as pa

        self.function(function)
        where, params = time_filter(function, since, until)
        tables = {False: [TRAFFIC_TABLE], True: [TUNING_TABLE], None: [TRAFFIC_TABLE, TUNING_TABLE]}[tuning]
        table = self._con.sql(
            " UNION ALL ".join(f"SELECT {', '.join(COLUMNS)} FROM {name} WHERE {where}" for name in tables),
            params=params * len(tables),
        ).to_arrow_table()
        # Sorting two integer keys in numpy, then one take, costs half of DuckDB's ORDER BY
        # over all columns (measured on 1 million rows). Missing times sort last.
        last = np.iinfo(np.int64).max
        start, end = (table.column(name).cast(pa.int64()).fill_null(last).to_numpy() for name in _TIME_COLUMNS)
        return _from_store_arrow(table.take(np.lexsort((end, start))))

    # -- Power Tuning results ----------------------------------------------------------------

    def import_powertuning(self, rows: Sequence[Sequence[Any]], *, source: str, format: str) -> ImportSummary:
        """Store Power Tuning results (tuples in :data:`POWERTUNING_COLUMNS` order) atomically.

        A row whose ``key`` is stored already is a duplicate. It fills in what the stored row
        lacks (the architecture, the invocation count), and its figures replace the stored ones when they are exact
        and the stored were not (the output's JSON numbers after its URL's Float32 values). The
        functions named are added; one import-log row is written.
        """
        columns = ", ".join(POWERTUNING_COLUMNS)
        keys = [row[0] for row in rows]
        with self._transaction():
            stored = 0
            if rows:
                stored = self._number(f"SELECT count(*) FROM {POWERTUNING_TABLE} WHERE list_contains(?, key)",
                                      [keys])
                self._con.executemany(
                    f"INSERT INTO {POWERTUNING_TABLE} AS stored ({columns}, imported_at) "
                    f"VALUES ({', '.join('?' * len(POWERTUNING_COLUMNS))}, ?) ON CONFLICT (key) DO UPDATE SET "
                    + ", ".join(f"{name} = CASE WHEN excluded.exact AND NOT stored.exact THEN "
                                f"coalesce(excluded.{name}, stored.{name}) ELSE coalesce(stored.{name}, "
                                f"excluded.{name}) END" for name in _POWERTUNING_MERGED)
                    + ", exact = stored.exact OR excluded.exact",
                    [[*row, _utcnow()] for row in rows])
            for name in sorted({row[1] for row in rows}):
                self._con.execute("INSERT INTO functions (name, updated_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                  [name, _utcnow()])
            added = len(set(keys)) - stored
            import_id = self._log_import(source, format, len(rows), len(rows), 0, 0, added, len(rows) - added)
        return ImportSummary(import_id, source, format, len(rows), len(rows), 0, 0, added, len(rows) - added)

    def powertuning_results(self, function: str) -> list[dict[str, Any]]:
        """The Power Tuning results stored for ``function``, by architecture, size and import time.

        Each a dict of :data:`POWERTUNING_COLUMNS` (but ``key``) and ``imported_at`` (UTC).
        """
        names = [c for c in POWERTUNING_COLUMNS if c != "key"]
        cursor = self._con.execute(
            f"SELECT {', '.join(names)}, imported_at FROM {POWERTUNING_TABLE} WHERE function = ? "
            "ORDER BY architecture NULLS FIRST, memory_mb, imported_at, key", [function])
        return [{**dict(zip(names, row, strict=False)), "imported_at": _aware(row[-1])}
                for row in cursor.fetchall()]

    def import_log(self) -> pd.DataFrame:
        """Every import so far, oldest first."""
        return self._con.execute("SELECT * FROM imports ORDER BY id").df()

    # -- state -------------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None``."""
        row = self._con.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (replacing any previous value)."""
        self._con.execute(
            "INSERT INTO state VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


class Staging:
    """Temporary tables of a stored import parsed in parts (:mod:`advisor.logs.staged`).

    :attr:`parsed` holds the records as parsed, each file's in parts (record columns,
    ``_file``: the file's index, ``_row``: the record's place in it); the caller settles
    each file's records into :attr:`settled` (record columns and ROW_COLUMN, the place in
    the whole input) with SQL of its own, through :attr:`connection`.
    """

    parsed = "_advisor_parsed"
    settled = "_advisor_settled"

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        types = ", ".join(f"{name} {_SQL_TYPES[kind]}" for name, kind in TYPES.items())
        for table, order in ((self.parsed, "_file BIGINT, _row BIGINT"), (self.settled, f"{ROW_COLUMN} BIGINT")):
            connection.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({types}, {order})")

    def add(self, records: pd.DataFrame, *, file: int, first_row: int) -> None:
        """Append a part of file ``file``'s records, the first of them its ``first_row``-th."""
        table = _to_store_arrow(records)
        self.connection.register("_advisor_part", table)
        try:
            self.connection.execute(
                f"INSERT INTO {self.parsed} SELECT * EXCLUDE ({ROW_COLUMN}), ? AS _file, "
                f"{ROW_COLUMN} + ? AS _row FROM _advisor_part", [file, first_row])
        finally:
            self.connection.unregister("_advisor_part")

    def settled_rows(self) -> int:
        """Records settled so far."""
        return int(self.connection.execute(f"SELECT count(*) FROM {self.settled}").fetchall()[0][0])

    def drop(self) -> None:
        """Drop the tables."""
        for table in (self.parsed, self.settled):
            self.connection.execute(f"DROP TABLE IF EXISTS {table}")


def _function_info(row: tuple[Any, ...]) -> FunctionInfo:
    *head, updated_at, count, cold_known = row
    config = dict(zip(("name", *CONFIG_FIELDS), head, strict=True))
    return FunctionInfo(**config, updated_at=_aware(updated_at), invocations=int(count),
                        records_cold_starts=bool(cold_known))


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def import_memory_limit() -> str:
    """DuckDB's memory limit for imports: ``$ADVISOR_IMPORT_MEMORY``, else the larger of
    :data:`IMPORT_MEMORY_MB` and :data:`IMPORT_MEMORY_MB_PER_THREAD` a core."""
    threads = os.cpu_count() or 1
    default = max(IMPORT_MEMORY_MB, IMPORT_MEMORY_MB_PER_THREAD * threads)
    return os.environ.get(IMPORT_MEMORY_ENV, "").strip() or f"{default}MB"


def time_filter(
    function: str, since: datetime | None, until: datetime | None
) -> tuple[str, list[Any]]:
    """A SQL ``WHERE`` clause (and its parameters) selecting one function's time window."""
    clauses = ["function = ?"]
    params: list[Any] = [function]
    if since is not None:
        clauses.append("end_time >= ?")
        params.append(_naive_utc(since))
    if until is not None:
        clauses.append("end_time < ?")
        params.append(_naive_utc(until))
    return " AND ".join(clauses), params


def _utcnow() -> datetime:
    """Now, as a naive UTC datetime (the store keeps naive UTC times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(db_path))
        con.execute("SET enable_progress_bar = false")  # never draw on the user's terminal
        return con
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = re.search(r"PID (\d+)", text)
            holder = f" (PID {pid.group(1)})" if pid else ""
            raise InputError(
                f"workspace {db_path.parent} is in use by another process{holder}.",
                hint="Wait for it to finish, or pass --workspace DIR to use another workspace.",
            ) from None
        raise InputError(
            f"cannot open workspace database {db_path}: {text.splitlines()[0]}",
            hint="Check the file is an advisor workspace, or pass --workspace DIR.",
        ) from None
    except duckdb.Error as exc:
        raise InputError(
            f"cannot open workspace database {db_path}: {str(exc).splitlines()[0]}",
            hint="Check the file is an advisor workspace, or pass --workspace DIR.",
        ) from None


@contextmanager
def _writing_back(path: Path) -> Iterator[None]:
    """Flush ``path`` to disk every :data:`WRITEBACK_SECONDS` while a bulk insert runs inside.

    DuckDB writes a large insert's row groups into the database file as it goes but syncs
    them only at the commit, which then waits for the disk (60 ms for the 110 MB of two
    million records) with the cores idle. Syncing as the file grows lets the disk write in
    the background while the cores compute, and leaves the commit little to wait for.
    """
    sync = getattr(os, "fdatasync", os.fsync)

    def flush(done: threading.Event) -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return  # nothing to help with: DuckDB reports a file it cannot use
        try:
            while not done.wait(WRITEBACK_SECONDS):
                sync(fd)
        except OSError:
            pass  # a file system that refuses it: the commit syncs, as without this
        finally:
            os.close(fd)

    with _in_background(flush, "advisor-writeback"):
        yield


@contextmanager
def _in_background(work: Callable[[threading.Event], None], name: str) -> Iterator[None]:
    """Run ``work(done)`` in a thread while the block inside runs; set ``done`` and wait for
    the thread after it."""
    done = threading.Event()
    thread = threading.Thread(target=work, args=(done,), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@contextmanager
def _reporting_progress(
    con: duckdb.DuckDBPyConnection, on_progress: Callable[[float], None] | None
) -> Iterator[None]:
    """Poll DuckDB's progress estimate of the statement run inside, for ``on_progress``."""
    if on_progress is None:
        yield
        return
    # Progress is tracked from here on but never printed: the caller draws it (or not).
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET enable_progress_bar = true")

    def poll(done: threading.Event) -> None:
        best = 0.0  # DuckDB's estimate can step back between pipelines; a bar should not
        while not done.wait(PROGRESS_POLL_SECONDS):
            best = max(best, min(con.query_progress(), 100.0))
            on_progress(best / 100.0)

    with _in_background(poll, "advisor-progress"):
        yield


def _sql_literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _to_store_arrow(records: pd.DataFrame) -> pa.Table:
    """Record frame -> Arrow table with naive-UTC ns timestamps (DuckDB TIMESTAMP_NS)."""
    import numpy as np
    import pyarrow as pa

    table = pa.Table.from_pandas(conform(records), schema=arrow_schema(), preserve_index=False)
    for name in _TIME_COLUMNS:
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table.column(name).cast(pa.timestamp("ns")))
    return table.append_column(ROW_COLUMN, pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _from_store_arrow(table: pa.Table) -> pd.DataFrame:
    import pyarrow as pa

    for name in _TIME_COLUMNS:
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table.column(name).cast(pa.timestamp("ns", tz="UTC")))
    return conform(table.to_pandas())


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(PAUSE_SECONDS)
