"""Azure Functions invocation trace 2021 (Zhang et al., SOSP'21): one row per invocation.

Columns ``app, func, end_timestamp, duration``: the end time in seconds from the
start of the trace and the duration in seconds. The trace begins on
:data:`TRACE_START` (2021-01-31T00:00Z); start = end - duration. Functions are
named by the first 12 characters of their hash; request ids are ``<func>-<row>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.logs._base import ParseResult, Rejection, TraceParser
from advisor.logs._tracing import SHORT_ID, read_table, select, trace_result
from advisor.logs.sniffing import csv_header
from advisor.units import MS_PER_S, NS_PER_MS, NS_PER_S

_COLUMNS = ("app", "func", "end_timestamp", "duration")
TRACE_START = datetime(2021, 1, 31, tzinfo=UTC)
#: Largest end time (from the trace's start) or duration read, in seconds: about 31 years, well
#: inside the int64 nanosecond clock (292 years) the records are kept on.
MAX_SECONDS = 1e9


class Azure2021Parser(TraceParser):
    """Azure Functions 2021 invocation-level CSV."""

    name = "azure-2021"
    description = "Azure Functions trace 2021 (app, func, end_timestamp s, duration s)"

    def sniff(self, head: str) -> bool:
        return set(_COLUMNS) <= set(csv_header(head) or ())

    def parse_path(self, path: Path, *, function: str | None, seed: int) -> ParseResult:
        table = read_table(path, required=_COLUMNS)
        lines = np.arange(len(table)) + 2
        end_s = pd.to_numeric(table["end_timestamp"], errors="coerce")
        duration_s = pd.to_numeric(table["duration"], errors="coerce")
        # inf and numbers past the nanosecond clock's range would wrap when cast to int64 times
        bad = ~(end_s.abs() <= MAX_SECONDS) | ~((duration_s >= 0) & (duration_s <= MAX_SECONDS))
        rejected = [Rejection(str(path), int(line),
                              f"end_timestamp or duration is not a number >= 0 within {MAX_SECONDS:.0e} s")
                    for line in lines[bad.to_numpy()]]
        keep = ~bad & select(table["func"], function)
        if function is not None and not keep.any():
            raise InputError(f"{path}: no function whose hash starts with {function!r}.",
                             hint="Pass a prefix of a func value from the file.")
        func = table.loc[keep, "func"].astype(str).str[:SHORT_ID]
        duration_ms = np.round(duration_s[keep].to_numpy() * MS_PER_S, 3)
        end_ns = int(TRACE_START.timestamp()) * NS_PER_S + np.round(end_s[keep].to_numpy() * NS_PER_S).astype("int64")
        start_ns = end_ns - np.round(duration_ms * NS_PER_MS).astype("int64")
        request_id = func + "-" + pd.Series(lines[keep.to_numpy()], index=func.index).astype(str)
        return trace_result(function=func.reset_index(drop=True), request_id=request_id.reset_index(drop=True),
                            start_ns=start_ns, duration_ms=duration_ms, format_name=self.name,
                            lines=len(table), parsed=int(keep.sum()), rejected=rejected)
