"""Choose the workspace store: DuckDB against SQLite and Parquet files read with pyarrow.

For each store, on the same synthetic records of one function:
  insert   store N records (default 10 million) with de-duplication on (function, request_id)
  reimport store the first 1 million again (must add nothing)
  read     read the function's records back into memory (Arrow)
  agg      duration p50/p90/p95/p99 of the function
and the size on disk. Quick steps are repeated and the median printed.

Usage:  .venv/bin/python bench/bench_store.py [--rows 10000000] [--repeat 3] [--stores duckdb,sqlite,parquet]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synth import synthetic_records  # noqa: E402

from advisor.record import COLUMNS, SCHEMA  # noqa: E402
from advisor.workspace import Workspace  # noqa: E402

FUNCTION = "bench-fn"
REIMPORT_ROWS = 1_000_000
QUANTILES = [0.5, 0.9, 0.95, 0.99]
SQLITE_CHUNK = 500_000
COUNTS = dict(lines=0, parsed=0, ignored=0, rejected=0)


class DuckStore:
    """The real workspace code path."""

    name = "duckdb"

    def __init__(self, path: Path) -> None:
        self.ws = Workspace.open(path)
        self.path = path

    def insert(self, records: pd.DataFrame) -> int:
        return self.ws.import_records(records, source="bench", format="synthetic", **COUNTS).added

    def read(self) -> pa.Table:
        return self.ws.connection.sql(
            "SELECT * FROM invocations WHERE function = ? ORDER BY start_time", params=[FUNCTION]
        ).to_arrow_table()

    def aggregate(self) -> list[float]:
        row = self.ws.connection.execute(
            "SELECT quantile_cont(duration_ms, ?) FROM invocations WHERE function = ?",
            [QUANTILES, FUNCTION],
        ).fetchone()
        return list(row[0])

    def close(self) -> None:
        self.ws.close()


class SqliteStore:
    """One table with a (function, request_id) primary key; INSERT OR IGNORE in one transaction."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = sqlite3.connect(path / "store.sqlite", isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        cols = ", ".join(COLUMNS)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS invocations ({cols}, PRIMARY KEY (function, request_id)) WITHOUT ROWID")

    def insert(self, records: pd.DataFrame) -> int:
        before = self.con.total_changes
        self.con.execute("BEGIN")
        for offset in range(0, len(records), SQLITE_CHUNK):  # bounded memory, still one transaction
            frame = records.iloc[offset : offset + SQLITE_CHUNK].copy()
            for name in ("start_time", "end_time"):
                frame[name] = frame[name].astype("int64")
            rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
            self.con.executemany(f"INSERT OR IGNORE INTO invocations VALUES ({', '.join('?' * len(COLUMNS))})", rows)
        self.con.execute("COMMIT")
        return self.con.total_changes - before

    def read(self) -> pa.Table:
        frame = pd.read_sql_query("SELECT * FROM invocations WHERE function = ? ORDER BY start_time", self.con, params=[FUNCTION])
        return pa.Table.from_pandas(frame, preserve_index=False)

    def aggregate(self) -> list[float]:
        values = np.array(self.con.execute("SELECT duration_ms FROM invocations WHERE function = ?", [FUNCTION]).fetchall()).ravel()
        return list(np.quantile(values, QUANTILES))

    def close(self) -> None:
        self.con.close()


class ParquetStore:
    """A directory of Parquet files per function; an import adds one file (written, then renamed)."""

    name = "parquet"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dir = path / FUNCTION
        self.dir.mkdir(parents=True, exist_ok=True)

    def _files(self) -> list[str]:
        return sorted(str(p) for p in self.dir.glob("*.parquet"))

    def insert(self, records: pd.DataFrame) -> int:
        table = pa.Table.from_pandas(records, schema=SCHEMA, preserve_index=False)
        ids = table.column("request_id")
        _, first = np.unique(ids.to_numpy(zero_copy_only=False), return_index=True)
        table = table.take(np.sort(first))
        files = self._files()
        if files:
            existing = ds.dataset(files).to_table(columns=["request_id"]).column("request_id")
            table = table.filter(pc.invert(pc.is_in(table.column("request_id"), value_set=existing)))
        if table.num_rows:
            tmp = self.dir / f".{uuid.uuid4().hex}.tmp"
            pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, self.dir / f"{uuid.uuid4().hex}.parquet")
        return table.num_rows

    def read(self) -> pa.Table:
        return ds.dataset(self._files()).to_table().sort_by("start_time")

    def aggregate(self) -> list[float]:
        durations = ds.dataset(self._files()).to_table(columns=["duration_ms"]).column("duration_ms")
        return pc.quantile(durations, q=QUANTILES).to_pylist()

    def close(self) -> None:
        pass


STORES = {cls.name: cls for cls in (DuckStore, SqliteStore, ParquetStore)}


def timed(step: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def median_of(repeat: int, step: Callable[[], object]) -> tuple[float, object]:
    runs = [timed(step) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), runs[-1][1]


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench(name: str, records: pd.DataFrame, root: Path, repeat: int) -> dict[str, object]:
    path = root / name
    store = STORES[name](path)
    t_insert, added = timed(lambda: store.insert(records))
    t_reimport, readded = median_of(repeat, lambda: store.insert(records.iloc[:REIMPORT_ROWS]))
    t_read, table = median_of(repeat, store.read)
    t_agg, quantiles = median_of(repeat, store.aggregate)
    store.close()
    result = {
        "store": name, "insert_s": t_insert, "added": added, "reimport_s": t_reimport,
        "reimport_added": readded, "read_s": t_read, "read_rows": table.num_rows,
        "agg_s": t_agg, "p99_ms": quantiles[-1], "size_mb": size_of(path) / 1e6,
    }
    shutil.rmtree(path)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", default="duckdb,sqlite,parquet")
    args = parser.parse_args()
    t_gen, records = timed(lambda: synthetic_records(args.rows, function=FUNCTION))
    print(f"generated {args.rows:,} records in {t_gen:.1f} s; insert is one run, the rest medians of {args.repeat}")
    header = f"{'store':8} {'insert s':>9} {'added':>11} {'reimport 1M s':>14} {'re-added':>9} {'read s':>7} {'agg s':>7} {'p99 ms':>8} {'size MB':>8}"
    print(header)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        for name in args.stores.split(","):
            r = bench(name, records, Path(tmp), args.repeat)
            print(f"{r['store']:8} {r['insert_s']:9.2f} {r['added']:11,} {r['reimport_s']:14.2f} {r['reimport_added']:9,} "
                  f"{r['read_s']:7.2f} {r['agg_s']:7.3f} {r['p99_ms']:8.2f} {r['size_mb']:8.1f}", flush=True)


if __name__ == "__main__":
    main()
