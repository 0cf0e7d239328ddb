"""Fast path for large plain-text REPORT logs: the C parser, or one DuckDB scan, on all cores.

Python's ``re`` reads about a million lines a second; large CloudWatch exports
have millions. Here a file is parsed by one of two parsers with the same rules,
which keep the REPORT lines and the lines the exact parser must judge, check that
each kept line has the canonical layout (an optional ISO time prefix, then Lambda's
tab-separated fields in Lambda's order, optionally Init Duration, Status and Error
Type) and compute the record columns:

- the C parser (``advisor/logs/_scan.c``, :func:`report_scan`, :func:`scan_select`)
  reads plain files, on every core and without the GIL, as DuckDB reads its Arrow
  stream of records (in store order, or in file order), keeping a bounded buffer
  of records ahead of it;
- DuckDB's SQL (:func:`record_select`) reads gzip files, whatever the C parser
  declines, and everything when ``ADVISOR_C_PARSER=off``.

Two consumers share them:

- :func:`parse_report_file` returns a :class:`ParseResult` (pandas records) for
  dry runs and mixed imports;
- :mod:`advisor.logs.bulk` inserts the same rows straight into the workspace,
  so a stored import never builds Python objects per record.

They yield exactly the records of the exact per-line parser or nothing at all. A
kept line that is not canonical (another layout, a truncated record, a JSON
platform record, ``Task timed out`` lines, emulator markers, wrapped REPORT
fields, time-only lines, "XRAY" inside a REPORT) ends the C parser's stream with
an error naming the line (its ``failure``) and makes the SQL statement raise, and
the caller parses the file exactly. The SQL checks are cheap
string tests (prefixes, GLOB character classes, a UUID round trip) rather than one
regular expression per line: RE2 in DuckDB costs about 0.5 microseconds a line,
more than all the rest. They accept a subset of what the exact parser accepts,
never more, and the C parser a subset of what they accept, with the same values;
``tests/logs/test_fast_path.py`` and ``tests/logs/test_scan.py`` check it on the real
samples, on generated logs and on mutated REPORT lines.
"""

from __future__ import annotations

import functools
import gzip
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.logs.report import MARKER
from advisor.record import REPORT_COLUMNS, STATUS_SUCCESS, STATUS_TIMEOUT, report_start_sql

if TYPE_CHECKING:
    from types import ModuleType

    import duckdb
    import pyarrow as pa

    from advisor.logs._base import ParseResult
    from advisor.logs._scan import ReportScan

FORMAT = "text"
#: The canonical layout as one regular expression (capturing the values): the definition the
#: SQL checks implement (they accept a subset of it, never more), and the yardstick that
#: ``bench/bench_parse.py`` runs in Python ``re``, DuckDB and pyarrow.
_TS = r"\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d\d?\d?\d?\d?\d?)?Z"
_NUM = r"\d+(?:\.\d+)?"
CANONICAL = (
    rf"^(?:({_TS}) )?REPORT RequestId: ([0-9A-Za-z._-]+)"
    rf"\tDuration: ({_NUM}) ms\tBilled Duration: (\d+) ms"
    r"\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB"
    rf"(?:\tInit Duration: ({_NUM}) ms)?"
    r"(?:\tStatus: (success|timeout|error))?"
    r"(?:\tError Type: ([0-9A-Za-z._:-]+))?\t?$"
)
#: Raised inside the statement for a line the exact parser must judge.
NEEDS_EXACT_ERROR = "advisor: line needs the exact parser"
_CONTINUATION_KEYS = ("Duration", "Billed Duration", "Memory Size", "Max Memory Used",
                      "Init Duration", "Restore Duration", "Billed Restore Duration", "Status",
                      "Error Type")
#: SQL predicate: lines the exact parser must see (anything it treats as more than "ignored").
#: Cheap tests first, each group behind a gate that most lines fail at once.
NEEDS_EXACT = " OR ".join([
    "contains(line, 'Task timed out after')",
    "contains(line, '(rapid)')",
    "(contains(line, '\"') AND (contains(line, '\"platform.') OR contains(line, '\"event_type\"')))",
    # Lines that start with a digit cannot start with '@', a field key or a blank.
    "(NOT (line GLOB '[0-9]*') AND (starts_with(line, '@') OR "
    + " OR ".join(f"starts_with(line, '{key}:')" for key in _CONTINUATION_KEYS)
    + " OR ((starts_with(line, ' ') OR starts_with(line, chr(9))) AND regexp_matches(line, "
      "'^[ \\t]+(?:" + "|".join(_CONTINUATION_KEYS) + "):'))))",
    "(strlen(line) < 48 AND regexp_full_match(line, "
    "'[ \\t]*\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}[^ \\t]*[ \\t]*'))",
])
#: The optional fields after Max Memory Used, in Lambda's order (checked by RE2, but only on
#: the few lines that have any: cold starts, timeouts and errors).
_TAIL = (r"(?:Init Duration: \d+(?:\.\d+)? ms(?:\t|$))?(?:Status: (?:success|timeout|error)(?:\t|$))?"
         r"(?:Error Type: [0-9A-Za-z._:-]+(?:\t|$))?")
_TIME_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z"


def _digits(sql: str) -> str:
    """SQL: ``sql`` is one or more ASCII digits."""
    return f"({sql} <> '' AND NOT ({sql} GLOB '*[!0-9]*'))"


def _decimal(sql: str) -> str:
    """SQL: ``sql`` is ASCII digits with at most one inner point (``\\d+(\\.\\d+)?``)."""
    return (f"({sql} GLOB '[0-9]*' AND {sql} GLOB '*[0-9]' AND NOT ({sql} GLOB '*[!0-9.]*') "
            f"AND NOT ({sql} GLOB '*.*.*'))")


def _literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


#: SQL tests that a kept line has the canonical layout, over the columns ``line``, ``p`` (its
#: tab-separated fields), ``pos`` (where ``REPORT RequestId: `` starts), ``stamp`` (the time
#: prefix), ``rid``, ``d``, ``b``, ``m``, ``u`` (the values) and ``tail`` (optional fields).
CANONICAL_TERMS: tuple[str, ...] = (
    # No time prefix, Lambda's own millisecond stamp (the common case, one GLOB), or any
    # other ISO stamp of whole seconds or 1-6 fraction digits ending in Z.
    f"""CASE WHEN pos = 1 THEN true
             WHEN pos = 26 THEN stamp GLOB '{_TIME_GLOB}' AND substr(stamp, 20, 5) GLOB '.[0-9][0-9][0-9]Z'
             ELSE pos BETWEEN 22 AND 29 AND stamp GLOB '{_TIME_GLOB}'
                  AND (length(stamp) = 20 OR (length(stamp) >= 22 AND stamp[20] = '.'
                                              AND {_digits("substr(stamp, 21, length(stamp) - 21)")})) END
        AND substr(line, pos - 1, 1) IN ('', ' ')""",
    "len(p) >= 5",
    # The exact parser ends a REPORT at "XRAY" (X-Ray fields), even inside a request id.
    "NOT contains(line, 'XRAY')",
    # Lambda's request ids are UUIDs: a round trip checks one cheaply; others meet RE2.
    "CASE WHEN TRY_CAST(rid AS UUID)::VARCHAR = rid THEN true "
    "ELSE regexp_full_match(rid, '[0-9A-Za-z._-]+') END",
    f"p[2] LIKE 'Duration: % ms' AND {_decimal('d')}",
    f"p[3] LIKE 'Billed Duration: % ms' AND {_digits('b')}",
    f"p[4] LIKE 'Memory Size: % MB' AND {_digits('m')}",
    f"p[5] LIKE 'Max Memory Used: % MB' AND {_digits('u')}",
    f"(tail = '' OR regexp_full_match(tail, {_literal(_TAIL)}))",
)
#: The parsing rules' version that ``_scan.c`` must implement (its ``SCAN_VERSION``): an
#: editable install whose extension was built from older rules falls back to the SQL path.
SCAN_VERSION = 2
#: Set to ``off`` to parse large logs with DuckDB's SQL instead of the C parser (the same
#: records, slower): to compare the two, or to work around a fault in the C parser.
C_PARSER_ENV = "ADVISOR_C_PARSER"
#: The name a parsed file is registered under for one statement.
_SCAN_RELATION = "_advisor_scan"
_GZIP_MAGIC = b"\x1f\x8b"
_HEAD_BYTES = 65536
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="advisor-count")


@dataclass(frozen=True)
class ReportFile:
    """A text file the fast path may read, and how it is compressed (``gzip`` or ``none``)."""

    path: Path
    compression: str


def open_report_file(path: Path) -> ReportFile | None:
    """The file as a fast-path source, or None when only the exact path can read it.

    Declined: unreadable file or gzip, empty, binary (NUL bytes), not UTF-8 or with
    carriage returns in its head; the exact path reports or handles each.
    """
    try:
        with path.open("rb") as handle:
            compression = "gzip" if handle.read(2) == _GZIP_MAGIC else "none"
        with (gzip.open(path, "rb") if compression == "gzip" else path.open("rb")) as handle:
            head = handle.read(_HEAD_BYTES)
    except (OSError, EOFError):
        return None  # unreadable or corrupt: the exact path names the problem
    if not head or b"\x00" in head or b"\r" in head:
        return None
    try:
        head[: _HEAD_BYTES - 4].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return ReportFile(path, compression)


def record_select(source: ReportFile) -> str:
    """SQL selecting the file's records: the columns a REPORT line fills
    (:data:`advisor.record.REPORT_COLUMNS`) but ``function``, in order.

    The statement raises (a ``duckdb.Error``) when any line needs the exact parser.
    """
    lines = (
        f"read_csv({_literal(str(source.path))}, columns = {{'line': 'VARCHAR'}}, delim = chr(31), "
        f"quote = '', escape = '', header = false, auto_detect = false, "
        f"compression = '{source.compression}')"
    )
    # A canonical line splits on tabs into the head (time prefix and request id), four fixed
    # fields and the optional tail; values sit at fixed offsets inside their fields.
    kept = f"""
        SELECT line, string_split(line, chr(9)) AS p, strpos(line, 'REPORT RequestId: ') AS pos
        FROM {lines} WHERE contains(line, '{MARKER}') OR ({NEEDS_EXACT})"""
    simple_tail = "(len(p) = 5 OR (len(p) = 6 AND p[6] = ''))"
    fields = f"""
        SELECT line, p, pos, left(line, pos - 2) AS stamp, substr(p[1], pos + 18) AS rid,
               substr(p[2], 11, length(p[2]) - 13) AS d, substr(p[3], 18, length(p[3]) - 20) AS b,
               substr(p[4], 14, length(p[4]) - 16) AS m, substr(p[5], 18, length(p[5]) - 20) AS u,
               CASE WHEN {simple_tail} THEN '' ELSE array_to_string(p[6:], chr(9)) END AS tail
        FROM ({kept})"""
    canonical = " AND ".join(f"({term})" for term in CANONICAL_TERMS)
    values = f"""
        SELECT CASE WHEN {canonical} THEN rid ELSE error({_literal(NEEDS_EXACT_ERROR)}) END AS request_id,
               CASE WHEN pos > 1 THEN epoch_ns(CAST(left(line, pos - 3) AS TIMESTAMP)) END AS end_ns,
               CAST(d AS DOUBLE) AS duration_ms,
               CAST(b AS BIGINT) AS billed_duration_ms,
               CAST(m AS BIGINT) AS memory_mb,
               CAST(u AS BIGINT) AS max_memory_used_mb,
               CASE WHEN contains(tail, 'Init Duration: ')
                    THEN CAST({_after("Init Duration: ", "' ms'")} AS DOUBLE) END AS init_ms,
               CASE WHEN contains(tail, 'Status: ') THEN {_after("Status: ", "chr(9)")} END AS status,
               CASE WHEN contains(tail, 'Error Type: ') THEN {_after("Error Type: ", "chr(9)")} END
                   AS error_type
        FROM ({fields})"""
    return _records(values)


def scan_select(relation: str) -> str:
    """SQL selecting the records of ``relation``, a registered :func:`report_scan` (read once).

    The same columns and values as :func:`record_select`, in store order or in file order
    as the scan was made. The C parser computes every column; a REPORT line fills no others.
    """
    return f"SELECT {', '.join(REPORT_COLUMNS[1:])} FROM {relation}"


def _records(values: str) -> str:
    """SQL: the REPORT columns but ``function``, in order, from ``values`` (request_id, end_ns,
    the REPORT numbers, init_ms, the Status and Error Type fields)."""
    # As the exact parser: start = end - duration - init (ns, rounded half to even, as numpy);
    # no Status field and Billed < Duration is a legacy timeout.
    return f"""SELECT request_id, {report_start_sql("end_ns")} AS start_time,
               make_timestamp_ns(end_ns) AS end_time,
               duration_ms, billed_duration_ms, memory_mb, max_memory_used_mb, init_ms,
               CASE WHEN status IS NOT NULL THEN status
                    WHEN billed_duration_ms < duration_ms THEN '{STATUS_TIMEOUT}'
                    ELSE '{STATUS_SUCCESS}' END AS status,
               error_type
            FROM ({values})"""


def report_scan(source: ReportFile, *, store_order: bool = True, **options: int) -> ReportScan | None:
    """The C parser over a plain file, or None (gzip, or the extension not built or stale).

    It starts parsing when :meth:`ReportScan.start` is called or its stream is first read, on
    every core, and keeps at most a bounded buffer of records ahead of the reader. Register
    it in DuckDB and select from it with :func:`scan_select` (once: the records are parsed as
    they are read). In store order it fails (``out_of_order``) on a log further out of order
    than its window; in file order it never does. ``options`` go to ``ReportScan`` (window,
    batch and queue sizes).
    """
    scan = _scan_module()
    if scan is None or source.compression != "none":
        return None
    try:
        return scan.ReportScan(str(source.path), threads=os.cpu_count() or 1, store_order=store_order,
                               **options)
    except OSError:
        return None  # unreadable: the SQL path or the exact path names the problem


def c_parser_available() -> bool:
    """Whether plain files go to the C parser (built, current and not switched off)."""
    return _scan_module() is not None


def _scan_module() -> ModuleType | None:
    """``advisor.logs._scan`` when it is built from the current source (see hatch_build.py)
    and not switched off with ``ADVISOR_C_PARSER=off``."""
    if os.environ.get(C_PARSER_ENV, "").strip().lower() in ("0", "off", "false", "no"):
        return None
    return _built_scan_module()


@functools.cache
def _built_scan_module() -> ModuleType | None:
    try:
        from advisor.logs import _scan
    except ImportError:
        return None
    return _scan if _scan.VERSION == SCAN_VERSION else None


def count_lines_later(source: ReportFile) -> Future[int]:
    """Count the file's physical lines in a thread (plain files overlap DuckDB's scan)."""
    return _POOL.submit(count_lines, source)


def count_lines(source: ReportFile) -> int:
    """Physical lines as the exact parser counts them (a final line needs no newline)."""
    count, last = 0, b"\n"
    opener = gzip.open if source.compression == "gzip" else open
    with opener(source.path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def parse_report_file(path: Path) -> ParseResult | None:
    """Parse a plain-text REPORT log (records in file order), or None when it needs the exact
    parser. The C parser reads plain files; DuckDB reads gzip files and what the C parser
    does not vouch for."""
    # Imported here, not at the top, for start-up time only: the bulk path imports this
    # module and must not load pandas (tests/logs/test_bulk.py checks it).
    import duckdb
    import pandas as pd
    import pyarrow as pa

    from advisor import record
    from advisor.logs._base import ParseResult
    from advisor.logs.records import looks_like_emulator, repeat_string, settle_repeats

    source = open_report_file(path)
    if source is None:
        return None
    con = _connection().cursor()
    try:
        scan = report_scan(source, store_order=False)
        table = _c_records(con, scan) if scan is not None else None
        if table is None:
            scan, counting = None, count_lines_later(source)
            table = con.sql(record_select(source)).to_arrow_table()
    except duckdb.InterruptException:
        raise  # Ctrl-C: no reason to parse the file again
    except duckdb.Error:
        return None  # a line for the exact parser, or not line-shaped text at all
    finally:
        con.close()
    if table.num_rows == 0:
        return None
    repeats = scan.duplicates if scan is not None else None
    if repeats is None:
        repeats = _has_repeats(_connection(), table)
    strings = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}
    frame = table.to_pandas(types_mapper=strings.get)
    for name in ("start_time", "end_time"):
        frame[name] = frame[name].dt.tz_localize("UTC")
    frame.insert(0, "function", repeat_string("", len(frame)))  # named later, as by the exact parser
    records = record.conform(frame)  # the columns a REPORT line leaves null, too
    if repeats:
        records = settle_repeats(records)
    total = scan.lines if scan is not None else counting.result()
    emulator = looks_like_emulator(records, init_first=False)
    return ParseResult(records, [], total, table.num_rows, total - table.num_rows, FORMAT,
                       emulator=emulator)


def _c_records(con: duckdb.DuckDBPyConnection, scan: ReportScan) -> pa.Table | None:
    """The C parser's records as an Arrow table, or None where it does not vouch for a line
    (then DuckDB's SQL parser is to read the file)."""
    import duckdb

    con.register(_SCAN_RELATION, scan)
    try:
        return con.sql(scan_select(_SCAN_RELATION)).to_arrow_table()
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        if scan.failure is None:
            raise  # not the parser's refusal
        return None
    finally:
        con.unregister(_SCAN_RELATION)


@functools.cache
def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for the process (a cursor per parse)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false").fetchall()
    return con


def _has_repeats(con: duckdb.DuckDBPyConnection, table: pa.Table) -> bool:
    """Whether a request id occurs twice (DuckDB hashes on all cores; pandas would not)."""
    ids = con.from_arrow(table).select("request_id")
    distinct = ids.aggregate("count(DISTINCT request_id)").fetchall()[0][0]
    return int(distinct) != len(table)


def _after(start: str, end_sql: str) -> str:
    """SQL for the tail's text after ``start`` up to ``end_sql`` (an SQL string expression)."""
    return f"split_part(split_part(tail, '{start}', 2), {end_sql}, 1)"
