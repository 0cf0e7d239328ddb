"""Helpers shared by the trace parsers: reading CSV tables and building records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.logs._base import ParseResult, Rejection
from advisor.logs.records import finish_records
from advisor.platform.aws_lambda import billed_ms
from advisor.units import NS_PER_MS

#: Length of the hash prefix that names a trace function in the workspace.
SHORT_ID = 12


def read_table(path: Path, *, required: tuple[str, ...]) -> pd.DataFrame:
    """Read a CSV trace table and check its columns.

    Raises:
        InputError: unreadable CSV or missing columns.
    """
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV table ({exc}).",
                         hint="Pass the trace file as published.") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(missing)}.",
                         hint="Pass the trace file as published, or force --format.")
    return frame


def select(ids: pd.Series, function: str | None) -> pd.Series:
    """Boolean mask of rows whose id starts with ``function`` (all rows when None)."""
    if function is None:
        return pd.Series(True, index=ids.index)
    return ids.astype(str).str.startswith(function)


def trace_result(*, function: pd.Series | str, request_id: pd.Series, start_ns: np.ndarray,
                 duration_ms: np.ndarray, format_name: str, lines: int, parsed: int,
                 rejected: list[Rejection], memory_mb: object = None,
                 max_memory_used_mb: object = None, init_ms: object = None) -> ParseResult:
    """Records for invocations that start at ``start_ns`` and run ``init_ms`` + ``duration_ms``."""
    duration = np.asarray(duration_ms, dtype="float64")
    init = np.full(len(duration), np.nan) if init_ms is None else np.asarray(init_ms, dtype="float64")
    elapsed = duration + np.nan_to_num(init)
    end_ns = np.asarray(start_ns, dtype="int64") + np.round(elapsed * NS_PER_MS).astype("int64")
    n = len(duration)
    columns = {
        "request_id": pd.Series(request_id, dtype="string").to_numpy(),
        "end_ns": end_ns,
        "duration_ms": duration,
        # Traces carry no billed time: Lambda's rounding applied to the duration.
        "billed_duration_ms": billed_ms(duration),
        "memory_mb": pd.array(_fill(memory_mb, n), dtype="Int64"),
        "max_memory_used_mb": pd.array(_fill(max_memory_used_mb, n), dtype="Int64"),
        "init_ms": init,
        "restore_ms": np.full(n, np.nan),
        "billed_restore_ms": pd.array([None] * n, dtype="Int64"),
        "status": "success",
        "error_type": pd.array([None] * n, dtype="string"),
        "log_stream": pd.array([None] * n, dtype="string"),
    }
    records = finish_records(columns, function="")
    records["function"] = pd.Series(function, dtype="string").to_numpy() if not isinstance(
        function, str) else function
    records = records.sort_values(["start_time", "request_id"], kind="stable").reset_index(drop=True)
    ignored = lines - parsed - len(rejected)
    return ParseResult(records, rejected, lines, parsed, ignored, format_name)


def _fill(value: Any, n: int) -> list:
    if value is None:
        return [None] * n
    if np.ndim(value) == 0:
        return [value] * n
    return list(value)
