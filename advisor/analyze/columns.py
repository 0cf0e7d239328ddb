"""One window of one function's records, fetched from DuckDB as numpy arrays in one scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from advisor.platform.aws_lambda import billed_ms
from advisor.workspace import Workspace, time_filter

_CTE = """WITH r AS NOT MATERIALIZED (SELECT * FROM invocations WHERE {where})
"""

_SHAPE_SQL = """SELECT count(*) AS n, count(restore_ms) AS restored, count(billed_duration_ms) AS billed,
    count(memory_mb) AS sized, min(memory_mb) AS min_mb, max(memory_mb) AS max_mb,
    count(log_stream) AS streamed FROM r"""

# Only the columns a window needs; optional ones are fetched when the window has them. A
# projection (no join) keeps the stored order, which is by end time.
_COLUMNS_SQL = """SELECT start_time AS s, end_time AS e, duration_ms AS d, coalesce(init_ms, 'NaN'::DOUBLE) AS i,
       coalesce(max_memory_used_mb, -1) AS mu{extra} FROM r"""
# Log streams become dense integer codes through an ENUM type made for the query and
# rolled back after it: a per-row dictionary lookup that, unlike a join, keeps row order.
_STREAM_ENUM = "_advisor_streams"
_STREAM_LIST_SQL = (
    f"CREATE TEMP TABLE {_STREAM_ENUM} AS SELECT DISTINCT log_stream FROM invocations "
    "WHERE {window} AND log_stream IS NOT NULL"
)
_STREAM_TYPE_SQL = f"CREATE TYPE {_STREAM_ENUM} AS ENUM (SELECT log_stream FROM {_STREAM_ENUM})"
_STREAM_COLUMN = f", coalesce(enum_code(log_stream::{_STREAM_ENUM})::INTEGER, -1) AS code"
_RESTORE_COLUMN = ", coalesce(restore_ms, 'NaN'::DOUBLE) AS rs"
_BILLED_COLUMN = ", coalesce(billed_duration_ms, -1) AS b"
_MEMORY_COLUMN = ", coalesce(memory_mb, ?, -1) AS m"

FAILURES_SQL = """SELECT status, error_type, count(*) AS count FROM r WHERE status <> 'success'
    GROUP BY ALL ORDER BY count DESC, status, error_type NULLS LAST"""


class Query:
    """Runs the module's SQL over one function's window."""

    def __init__(self, ws: Workspace, function: str, since: datetime | None, until: datetime | None) -> None:
        self.con = ws.connection
        where, self.params = time_filter(function, since, until)
        self.cte = _CTE.format(where=where)
        self.window = where

    def all(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(self.cte + sql, self.params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]

    def arrays(self, sql: str, extra: list[Any], *, streams: bool) -> dict[str, np.ndarray]:
        """Columns as numpy arrays; ``streams`` makes the log-stream ENUM type the SQL may use."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            if streams:
                self.con.execute(_STREAM_LIST_SQL.format(window=self.window), self.params)
                self.con.execute(_STREAM_TYPE_SQL)
            table = self.con.sql(self.cte + sql, params=[*self.params, *extra]).to_arrow_table()
            return {name: _to_numpy(column) for name, column in zip(table.column_names, table.columns, strict=False)}
        finally:
            self.con.execute("ROLLBACK")  # the analysis writes nothing


def _to_numpy(column: pa.ChunkedArray) -> np.ndarray:
    """One copy into a contiguous array: zero-copy views of each chunk, concatenated.

    Measured on 10 million rows this is about twice as cheap as DuckDB's ``fetchnumpy``.
    """
    if column.null_count:
        return column.to_numpy()
    chunks = [chunk.to_numpy(zero_copy_only=True) for chunk in column.chunks]
    return np.concatenate(chunks) if chunks else column.to_numpy()


def _billed(logged: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Billed ms as logged; where none was logged (-1), the duration rounded as Lambda bills."""
    missing = logged < 0
    if not missing.any():
        return logged
    billed = logged.copy()
    billed[missing] = billed_ms(duration[missing])
    return billed


@dataclass
class Columns:
    """The numeric columns of one window as numpy arrays (NaN / -1 where null).

    ``memory`` and ``restore`` are scalars when the whole window shares one value, which
    saves fetching (and pricing) a 10-million-row column of identical numbers.
    """

    arrival: np.ndarray
    end: np.ndarray
    has_start: np.ndarray
    duration: np.ndarray
    init: np.ndarray
    restore: np.ndarray | float
    billed: np.ndarray
    estimated: int
    memory: np.ndarray | int
    max_used: np.ndarray
    code: np.ndarray

    @classmethod
    def fetch(cls, query: Query, memory_mb: int | None) -> Columns | None:
        shape = query.all(_SHAPE_SQL)[0]
        if shape["n"] == 0:
            return None
        one_size = shape["sized"] == shape["n"] and shape["min_mb"] == shape["max_mb"]
        extra = (_RESTORE_COLUMN if shape["restored"] else "") + _BILLED_COLUMN + ("" if one_size else _MEMORY_COLUMN)
        streams = shape["streamed"] > 0
        extra += _STREAM_COLUMN if streams else ""
        a = query.arrays(_COLUMNS_SQL.format(extra=extra), [] if one_size else [memory_mb], streams=streams)
        start, end = a["s"].view(np.int64), a["e"].view(np.int64)  # datetime64[ns] -> ns, NaT -> min
        has_start = start != np.iinfo(np.int64).min
        return cls(
            arrival=np.where(has_start, start, end),
            end=end,
            has_start=has_start,
            duration=a["d"],
            init=a["i"],
            restore=a["rs"] if shape["restored"] else np.nan,
            billed=_billed(a["b"], a["d"]),
            estimated=shape["n"] - shape["billed"],
            memory=int(shape["min_mb"]) if one_size else a["m"],
            max_used=a["mu"],
            code=a["code"] if streams else np.full(shape["n"], -1, dtype=np.int32),
        )

    @property
    def n(self) -> int:
        return int(self.end.size)

    @property
    def memory_unknown(self) -> bool:
        return bool(np.any(np.asarray(self.memory) < 0))

