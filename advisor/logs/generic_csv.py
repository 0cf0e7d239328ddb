"""A generic CSV of invocations: ``timestamp, duration_ms[, init_ms][, memory_mb][, request_id]``.

``timestamp`` is the arrival (start) time, epoch seconds or ISO 8601 (no zone
means UTC); the end is start + init + duration. Rows without a ``request_id``
get ``<file stem>-<line>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from advisor.errors import InputError, UsageError
from advisor.logs._base import ParseResult, Rejection, TraceParser
from advisor.logs._tracing import read_table, trace_result
from advisor.logs.sniffing import csv_header
from advisor.units import EPOCH_NS_RANGE, NS_PER_S

TIMESTAMP = "timestamp"


def _timestamps(text: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(text, errors="coerce")
    # Beyond int64 ns (or not finite) is no time: NaT, without numpy's invalid-cast warning.
    # (Compared as floats: an int64 column times NS_PER_S wraps around silently.)
    within = numeric.astype("float64").abs() <= EPOCH_NS_RANGE[1] / NS_PER_S
    as_epoch = pd.to_datetime((numeric * NS_PER_S).where(within), utc=True, errors="coerce").dt.as_unit("ns")
    # Decimal epoch seconds to the nanosecond: a float64 of ns since 1970 is off by up to 256 ns.
    parts = text.str.strip().str.extract(r"^(\d{1,11})\.(\d{1,9})$")
    decimal = parts[0].notna() & within
    if decimal.any():
        ns = (parts.loc[decimal, 0].astype("int64") * NS_PER_S
              + parts.loc[decimal, 1].str.ljust(9, "0").astype("int64"))
        as_epoch = as_epoch.copy()
        as_epoch.loc[decimal] = pd.to_datetime(ns, utc=True)
    as_iso = pd.to_datetime(text.where(numeric.isna()), utc=True, errors="coerce", format="ISO8601")
    return as_epoch.dt.as_unit("ns").where(as_epoch.notna(), as_iso.dt.as_unit("ns"))


def read_arrival_column(path: Path) -> np.ndarray:
    """Epoch ns of the ``timestamp`` column of a CSV, in file order (other columns ignored).

    Raises:
        InputError: no ``timestamp`` column (the message lists the columns), or a value that is
            neither epoch seconds nor ISO 8601 (the message names its line).
    """
    table = read_table(path, required=())
    if TIMESTAMP not in table.columns:
        raise InputError(f"{path} has no '{TIMESTAMP}' column (it has: {', '.join(map(str, table.columns))}).",
                         hint="Add a timestamp column with epoch seconds or ISO 8601 times.")
    text = table[TIMESTAMP].astype(str).str.strip()
    stamps = _timestamps(text)
    bad = np.flatnonzero(stamps.isna().to_numpy())
    if bad.size:
        line = int(bad[0]) + 2  # the header is line 1
        raise InputError(f"{path}:{line}: timestamp {text.iloc[line - 2]!r} is neither epoch seconds nor ISO 8601.",
                         hint="Fix or remove that line.")
    return pd.DatetimeIndex(stamps).as_unit("ns").asi8


def _reason(table: pd.DataFrame, stamps: pd.Series, duration: pd.Series, row: int) -> str:
    """Why row ``row`` cannot be used, naming the value."""
    if pd.isna(stamps.iloc[row]):
        return f"timestamp {str(table[TIMESTAMP].iloc[row])!r} is neither epoch seconds nor ISO 8601"
    if pd.isna(duration.iloc[row]):
        raw = table["duration_ms"].iloc[row]
        return "duration_ms is empty" if pd.isna(raw) else f"duration_ms {str(raw)!r} is not a number"
    return f"duration_ms {duration.iloc[row]:g} is negative"


class GenericCsvParser(TraceParser):
    """Arrivals and durations from any tool, as CSV."""

    name = "csv"
    needs_name = True
    description = "generic CSV: timestamp (epoch s or ISO 8601), duration_ms, optional init_ms, memory_mb"

    def sniff(self, head: str) -> bool:
        return {"timestamp", "duration_ms"} <= {cell.lower() for cell in csv_header(head) or ()}

    def parse_path(self, path: Path, *, function: str | None, seed: int) -> ParseResult:
        if not function:
            raise UsageError(f"{path}: a generic CSV does not say which function it measures.",
                             hint="Pass --function NAME.")
        table = read_table(path, required=("timestamp", "duration_ms"))
        lines = np.arange(len(table)) + 2
        stamps = _timestamps(table["timestamp"].astype(str))
        duration = pd.to_numeric(table["duration_ms"], errors="coerce")
        init = pd.to_numeric(table.get("init_ms", pd.Series(np.nan, index=table.index)), errors="coerce")
        memory = pd.to_numeric(table.get("memory_mb", pd.Series(np.nan, index=table.index)), errors="coerce")
        bad = stamps.isna() | duration.isna() | (duration < 0)
        rejected = [Rejection(str(path), int(lines[i]), _reason(table, stamps, duration, int(i)))
                    for i in np.flatnonzero(bad.to_numpy())]
        keep = ~bad.to_numpy()
        if "request_id" in table.columns:
            ids = table.loc[keep, "request_id"].astype(str).reset_index(drop=True)
        else:
            ids = pd.Series([f"{path.stem}-{line}" for line in lines[keep]])
        mem = memory[keep].to_numpy()
        return trace_result(
            function=function, request_id=ids,
            start_ns=pd.DatetimeIndex(stamps[keep]).as_unit("ns").asi8,
            duration_ms=duration[keep].to_numpy(dtype="float64"), init_ms=init[keep].to_numpy(),
            memory_mb=[None if np.isnan(m) else int(m) for m in mem],
            format_name=self.name, lines=len(table), parsed=int(keep.sum()), rejected=rejected,
        )
