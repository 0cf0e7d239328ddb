"""Vectorised fast path for large plain-text REPORT logs (DuckDB, RE2, all cores).

Python's ``re`` reads about a million lines a second; large CloudWatch exports
have millions. This path lets DuckDB read the file (plain or gzip) as lines and
match the canonical REPORT layout (optional ISO time prefix, tab-separated fields
in Lambda's order, optional Init Duration, Status, Error Type) in one parallel
scan. ``bench/bench_parse.py`` compares it with ``re`` and pyarrow.compute.

It yields exactly the records of the exact per-line parser or nothing at all:
when any line needs the exact parser's judgement (a REPORT in another layout,
a truncated record, JSON platform records, ``Task timed out`` lines, emulator
markers, wrapped REPORT fields, time-only lines), :func:`parse_report_file`
returns None and the caller parses the file exactly. ``tests/logs`` checks the
equality on the real samples and on generated logs.
"""

from __future__ import annotations

import functools
import gzip
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from advisor.logs._base import ParseResult
from advisor.logs.events import finish_records, looks_like_emulator, repeat_string
from advisor.record import STATUS_SUCCESS, STATUS_TIMEOUT

FORMAT = "text"
# RE2 compiles counted repetitions ({1,64}) into large automata: use + and *.
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
#: CANONICAL without capture groups, for validation only (about 10% cheaper per line in DuckDB).
VALIDATE = re.sub(r"\((?!\?)", "(?:", CANONICAL)
_CONTINUATION_KEYS = ("Duration", "Billed Duration", "Memory Size", "Max Memory Used",
                      "Init Duration", "Restore Duration", "Billed Restore Duration", "Status",
                      "Error Type")
#: SQL predicate: lines the exact parser must see (anything it treats as more than "ignored").
#: Cheap tests first; regexes only on the few lines that start with blanks or are short.
NEEDS_EXACT = " OR ".join(
    ["contains(line, 'Task timed out after')", "contains(line, '(rapid)')",
     "contains(line, '\"platform.')", "contains(line, '\"event_type\"')", "starts_with(line, '@')"]
    + [f"starts_with(line, '{key}:')" for key in _CONTINUATION_KEYS]
    + ["((starts_with(line, ' ') OR starts_with(line, chr(9))) AND regexp_matches(line, "
       "'^[ \\t]+(?:" + "|".join(_CONTINUATION_KEYS) + "):'))",
       "(strlen(line) < 48 AND regexp_full_match(line, "
       "'[ \\t]*\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}[^ \\t]*[ \\t]*'))"]
)
_MARKER = "REPORT RequestId:"
_GZIP_MAGIC = b"\x1f\x8b"
_HEAD_BYTES = 65536
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="advisor-count")
_ARROW_TYPES = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype()}


def parse_report_file(path: Path) -> ParseResult | None:
    """Parse a plain-text REPORT log in one DuckDB scan, or None when it needs the exact parser."""
    with path.open("rb") as handle:
        compression = "gzip" if handle.read(2) == _GZIP_MAGIC else "none"
    try:
        with (gzip.open(path, "rb") if compression == "gzip" else path.open("rb")) as handle:
            head = handle.read(_HEAD_BYTES)
    except (OSError, EOFError):
        return None  # unreadable gzip: the exact path reports it
    if not head or b"\x00" in head or b"\r" in head:
        return None
    try:
        head[: _HEAD_BYTES - 4].decode("utf-8")
    except UnicodeDecodeError:
        return None
    con = _connection().cursor()
    try:
        # Fetched: an unfinished result would block the next statement on this cursor.
        con.execute("SET enable_progress_bar = false").fetchall()
        return _scan(con, path, compression)
    except duckdb.Error:
        return None  # not line-shaped text (stray separators, bad bytes): parse exactly
    finally:
        con.close()


@functools.cache
def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for the process (a cursor per parse)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false").fetchall()
    return con


def _scan(con: duckdb.DuckDBPyConnection, path: Path, compression: str) -> ParseResult | None:
    source = (
        "read_csv(?, columns = {'line': 'VARCHAR'}, delim = chr(31), quote = '', escape = '', "
        f"header = false, auto_detect = false, compression = '{compression}')"
    )
    # One parallel scan. Only REPORT lines and lines the exact parser must judge are kept;
    # a kept line that is not a canonical REPORT sends the file to the exact parser. (A line
    # matching CANONICAL contains the marker and none of NEEDS_EXACT's patterns, so the regex
    # alone decides.) RE2 only validates (a DFA, no submatches: fast); a validated line has
    # its fixed fields at fixed tab positions and offsets, so substr extracts them exactly
    # (its time is the first word less the final Z: a third of the cost of split_part+replace).
    query = f"""
        WITH lines AS (SELECT coalesce(line, '') AS line FROM {source}),
        hits AS (
            SELECT line, string_split(line, chr(9)) AS p
            FROM lines WHERE contains(line, '{_MARKER}') OR ({NEEDS_EXACT}))
        SELECT NOT regexp_full_match(line, $1) AS needs_exact,
               NOT starts_with(line, 'REPORT') AS has_time,
               split_part(p[1], 'RequestId: ', 2) AS request_id,
               CASE WHEN starts_with(line, 'REPORT') THEN NULL
                    ELSE epoch_ns(TRY_CAST(left(line, strpos(line, ' ') - 2) AS TIMESTAMP))
               END AS end_ns,
               TRY_CAST(substr(p[2], 11, length(p[2]) - 13) AS DOUBLE) AS duration_ms,
               TRY_CAST(substr(p[3], 18, length(p[3]) - 20) AS BIGINT) AS billed_duration_ms,
               TRY_CAST(substr(p[4], 14, length(p[4]) - 16) AS BIGINT) AS memory_mb,
               TRY_CAST(substr(p[5], 18, length(p[5]) - 20) AS BIGINT) AS max_memory_used_mb,
               CASE WHEN contains(line, 'Init Duration: ')
                    THEN TRY_CAST({_between("Init Duration: ", "' ms'")} AS DOUBLE) END AS init_ms,
               CASE WHEN contains(line, 'Status: ')
                    THEN {_between("Status: ", "chr(9)")} END AS status,
               CASE WHEN contains(line, 'Error Type: ')
                    THEN {_between("Error Type: ", "chr(9)")} END AS error_type
        FROM hits
    """
    query = query.replace("read_csv(?", f"read_csv({_literal(str(path))}").replace("$1", _literal(VALIDATE))
    # The plain line count (Python, file I/O) overlaps the DuckDB scan, which releases the GIL.
    counting = _POOL.submit(_count_lines_plain, path) if compression == "none" else None
    # Arrow all the way: strings stay Arrow-backed instead of becoming Python objects.
    table = con.sql(query).to_arrow_table()
    frame = table.to_pandas(types_mapper=_ARROW_TYPES.get)
    # A value that does not convert (an impossible date, an overflowing number): exact path.
    checked = ["request_id", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_used_mb"]
    if not frame.empty and (frame[checked].isna().any().any()
                            or (frame["has_time"] & frame["end_ns"].isna()).any()):
        return None
    if frame.empty or frame["needs_exact"].any():
        return None
    total = _count_lines(con, path, source) if counting is None else counting.result()
    records = _records(frame.drop(columns=["needs_exact", "has_time"]), repeats=_has_repeats(con, table))
    parsed = len(frame)
    emulator = looks_like_emulator(records, init_first=False)
    return ParseResult(records, [], total, parsed, total - parsed, FORMAT, emulator=emulator)


def _count_lines_plain(path: Path) -> int:
    """Physical lines as the exact parser counts them (a final line needs no newline)."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def _count_lines(con: duckdb.DuckDBPyConnection, path: Path, source: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {source}", [str(path)]).fetchall()[0][0])


def _literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _has_repeats(con: duckdb.DuckDBPyConnection, table: pa.Table) -> bool:
    """Whether a request id occurs twice (DuckDB hashes on all cores; pandas would not)."""
    ids = con.from_arrow(table.select(["request_id"]))
    distinct = ids.aggregate("count(DISTINCT request_id)").fetchall()[0][0]
    return int(distinct) != table.num_rows


def _records(frame: pd.DataFrame, *, repeats: bool) -> pd.DataFrame:
    n = len(frame)
    duration = frame["duration_ms"].to_numpy(dtype="float64")
    billed = frame["billed_duration_ms"].to_numpy(dtype="float64")
    status = frame["status"].astype("string")
    # As the exact parser: no Status field and Billed < Duration is a legacy timeout.
    legacy_timeout = status.isna().to_numpy() & (billed < duration)
    status = status.fillna(STATUS_SUCCESS).where(~legacy_timeout, STATUS_TIMEOUT)
    return finish_records(frame.assign(
        end_ns=frame["end_ns"].astype("Int64"),
        duration_ms=duration,
        init_ms=frame["init_ms"].astype("float64"),
        status=status,
        restore_ms=np.full(n, np.nan),
        billed_restore_ms=pd.arrays.IntegerArray(np.zeros(n, dtype="int64"), np.ones(n, dtype=bool)),
        log_stream=repeat_string(None, n),
    ), function="", repeats=repeats)


def _between(start: str, end_sql: str) -> str:
    """SQL for the text after the first ``start`` up to ``end_sql`` (an SQL string expression)."""
    return f"split_part(split_part(line, '{start}', 2), {end_sql}, 1)"
