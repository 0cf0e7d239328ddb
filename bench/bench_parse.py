"""Parse the same 2,000,000-line REPORT log several ways: Python re, pyarrow.compute, DuckDB, C.

Prints lines/s (median of 3 runs each, in process: no start-up). ``re``, pyarrow and
"duckdb (match)" find the canonical REPORT lines (pyarrow also extracts their fields);
the "SQL parser" and "C parser" rows are advisor's two fast-path parsers, which compute
every record (the C parser also sorts them into store order); "read by duckdb" adds
DuckDB reading the C parser's Arrow stream; the last row goes on to pandas records.

    python bench/bench_parse.py [--lines 2000000] [--style s3|report]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from advisor.logs import fast

HERE = Path(__file__).resolve().parent
RUNS = 3


def with_re(path: Path) -> int:
    pattern = re.compile(fast.CANONICAL)
    found = 0
    with path.open() as handle:
        for line in handle:
            if "REPORT RequestId:" in line and pattern.match(line.rstrip("\n")):
                found += 1
    return found


def with_duckdb_match(path: Path) -> int:
    """The same work as the re and pyarrow rows: find the canonical REPORT lines."""
    import duckdb

    source = (f"read_csv('{path}', columns = {{'line': 'VARCHAR'}}, delim = chr(31), quote = '', "
              "escape = '', header = false, auto_detect = false)")
    query = (f"SELECT count(*) FROM {source} WHERE contains(line, 'REPORT RequestId:') "
             f"AND regexp_full_match(line, {fast._literal(fast.CANONICAL)})")
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        return int(con.execute(query).fetchall()[0][0])


def with_c(path: Path) -> int:
    """The C parser alone: every record parsed, checked, put in store order and built into
    Arrow batches (which are dropped)."""
    scan = fast.report_scan(fast.open_report_file(path))
    assert scan is not None, "the C parser is not built"
    scan.drain()
    return scan.records


def with_c_in_duckdb(path: Path) -> int:
    """The C parser's records read by DuckDB (the bulk import's source, before the write)."""
    import duckdb

    scan = fast.report_scan(fast.open_report_file(path))
    con = duckdb.connect()
    con.register("scan", scan)
    return con.sql(fast.scan_select("scan")).to_arrow_table().num_rows


def with_sql(path: Path) -> int:
    """DuckDB's SQL parser: the same records (the path for gzip files)."""
    import duckdb

    return duckdb.connect().sql(fast.record_select(fast.open_report_file(path))).to_arrow_table().num_rows


def with_pandas_records(path: Path) -> int:
    """The fast path up to pandas records (dry runs, mixed imports)."""
    result = fast.parse_report_file(path)
    assert result is not None
    return len(result.records)


def _named(pattern: str) -> str:
    """pyarrow's extract_regex needs named groups: name the capturing groups g0, g1, ..."""
    out, count, i = [], 0, 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if pattern[i] == "(" and not pattern.startswith("(?", i):
            out.append(f"(?P<g{count}>")
            count += 1
        else:
            out.append(pattern[i])
        i += 1
    return "".join(out)


def with_pyarrow_named(path: Path) -> int:
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=["line"]),
        parse_options=pacsv.ParseOptions(delimiter="\x1f", quote_char=False, escape_char=False,
                                         ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types={"line": pa.string()}),
    )
    lines = table.column(0)
    reports = pc.filter(lines, pc.match_substring(lines, "REPORT RequestId:"))
    fields = pc.extract_regex(reports, _named(fast.CANONICAL))
    return len(fields) - fields.null_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--style", default="s3", help="the log: s3 (export) or report (REPORT lines only)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from gen_logs import bench_log

    path, total = bench_log(args.lines, args.style)
    for name, run in (("python re (match)", with_re), ("pyarrow.compute (extract)", with_pyarrow_named),
                      ("duckdb (match)", with_duckdb_match),
                      ("duckdb SQL parser (records)", with_sql),
                      ("C parser (records)", with_c),
                      ("C parser read by duckdb", with_c_in_duckdb),
                      ("fast path to pandas records", with_pandas_records)):
        times, found = [], 0
        for _ in range(RUNS):
            start = time.perf_counter()
            found = run(path)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{name:30s} {median:6.2f} s  {total / median / 1e6:5.2f} M lines/s  "
              f"({found:,} REPORT records; runs {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
