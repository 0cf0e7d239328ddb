"""A generic CSV of invocations: ``timestamp, duration_ms[, init_ms][, memory_mb][, request_id]``.

``timestamp`` is the arrival (start) time, epoch seconds or ISO 8601 (no zone
means UTC); the end is start + init + duration. Rows without a ``request_id``
get ``<file stem>-<line>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from advisor.errors import UsageError
from advisor.logs._base import ParseResult, Rejection, TraceParser
from advisor.logs._tracing import read_table, trace_result
from advisor.logs.sniffing import csv_header


def _timestamps(text: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(text, errors="coerce")
    as_epoch = pd.to_datetime(numeric * 1e9, utc=True, errors="coerce")
    # Decimal epoch seconds to the nanosecond: a float64 of ns since 1970 is off by up to 256 ns.
    parts = text.str.strip().str.extract(r"^(\d{1,11})\.(\d{1,9})$")
    decimal = parts[0].notna()
    if decimal.any():
        ns = (parts.loc[decimal, 0].astype("int64") * 1_000_000_000
              + parts.loc[decimal, 1].str.ljust(9, "0").astype("int64"))
        as_epoch = as_epoch.copy()
        as_epoch.loc[decimal] = pd.to_datetime(ns, utc=True)
    as_iso = pd.to_datetime(text.where(numeric.isna()), utc=True, errors="coerce", format="ISO8601")
    return as_epoch.fillna(as_iso)


class GenericCsvParser(TraceParser):
    """Arrivals and durations from any tool, as CSV."""

    name = "csv"
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
        rejected = [Rejection(str(path), int(line), "bad timestamp or duration_ms")
                    for line in lines[bad.to_numpy()]]
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
