"""The record table: building it from collected columns, settling repeated request ids,
and telling local emulator output from the Lambda service.

Shared by the exact parsers (through :class:`advisor.logs.events.EventAssembler`), the fast
path (:func:`advisor.logs.fast.parse_report_file`) and the trace readers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from advisor import record
from advisor.logs.report import EMULATOR_MEMORY_MB

_NS_PER_MS = 1_000_000


def finish_records(columns: dict[str, list] | pd.DataFrame, *, function: str,
                   repeats: bool | None = None) -> pd.DataFrame:
    """Build the record table from collected columns (``end_ns`` as epoch ns).

    ``start_time = end_time - duration - init``. A request id seen again with
    different numbers (Lambda keeps the id across async retries) gets ``#2``,
    ``#3``... in order of appearance, so each invocation keeps its own row.
    ``repeats`` says whether any request id occurs twice when the caller already
    knows (None: find out here).
    """
    if not isinstance(columns, pd.DataFrame):
        # Epoch ns exceed float precision: keep them integers (a list with None would be float).
        columns = dict(columns, end_ns=pd.array(columns["end_ns"], dtype="Int64"))
        frame = pd.DataFrame(columns)
    else:
        frame = columns
    end_ns = pd.array(frame["end_ns"], dtype="Int64")
    missing = end_ns.isna()
    end = end_ns.to_numpy(dtype="int64", na_value=0)
    elapsed_ms = frame["duration_ms"].to_numpy(dtype="float64") + np.nan_to_num(
        frame["init_ms"].to_numpy(dtype="float64", na_value=np.nan))
    start = end - np.round(elapsed_ms * _NS_PER_MS).astype("int64")
    out = frame.drop(columns=["end_ns"]).assign(
        function=repeat_string(function, len(frame)),
        end_time=_utc(end, missing),
        start_time=_utc(start, missing),
    )
    if _has_repeats(out["request_id"]) if repeats is None else repeats:
        out = settle_repeats(out)
    return record.conform(out.reset_index(drop=True))


def settle_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """Records with repeated request ids settled: copies dropped, retries numbered.

    The same event copied twice (console dumps show each record pretty and raw) is one
    invocation; the same id with other numbers is a retry and keeps its own row, as
    ``ID#2``, ``ID#3``... in order of appearance.
    """
    out = frame[~_content_key(frame).duplicated()].copy()
    out["request_id"] = _number_retries(out)
    return out.reset_index(drop=True)


def repeat_string(value: str | None, n: int) -> pd.api.extensions.ExtensionArray:
    """A record string column of ``n`` copies of ``value`` (None: nulls), built in Arrow.

    A Python list of ``n`` strings costs about 0.1 s per 600,000 rows; this does not.
    """
    values = pa.nulls(n, pa.string()) if value is None else pa.repeat(pa.scalar(value, pa.string()), n)
    return pd.array(values, dtype=record.DTYPES["function"])


def _utc(ns: np.ndarray, missing: np.ndarray) -> pd.DatetimeIndex:
    """UTC timestamps of epoch ``ns`` (NaT where ``missing``), without a per-value loop."""
    values = ns.astype("datetime64[ns]")
    values[missing] = np.datetime64("NaT")
    return pd.DatetimeIndex(values).tz_localize("UTC")


def _has_repeats(ids: pd.Series) -> bool:
    values = ids.array
    # Arrow-backed strings convert without a copy; anything else goes through Python objects.
    array = pa.array(values) if hasattr(values, "__arrow_array__") else pa.array(
        ids.astype(object), from_pandas=True)
    return len(pc.unique(array)) != len(array)


#: What a record's content is, for telling copies of one event from retries of its request.
CONTENT = ("request_id", "end_time", "duration_ms", "billed_duration_ms", "memory_mb",
           "max_memory_used_mb", "init_ms", "restore_ms", "status", "error_type", "log_stream")


def _content_key(frame: pd.DataFrame) -> pd.Series:
    return frame[list(CONTENT)].astype("string").fillna("\0").agg("\x1f".join, axis=1)


def _number_retries(frame: pd.DataFrame) -> pd.Series:
    """``#2``, ``#3``... on later rows of a repeated request id (rows are distinct)."""
    ids = frame["request_id"].astype("string")
    number = ids.groupby(ids).cumcount() + 1
    return ids.where(number <= 1, ids + "#" + number.astype(str))


def looks_like_emulator(frame: pd.DataFrame, *, init_first: bool) -> bool:
    """True when every record reports Max Memory Used = Memory Size and it has RIE traits.

    Real Lambda logs reach Max Memory Used = Memory Size only on out-of-memory or
    near it; the emulator reports it on every request, and puts ``Init Duration``
    first or uses its 3008 MB default.
    """
    if frame.empty:
        return False
    memory = frame["memory_mb"]
    used = frame["max_memory_used_mb"]
    known = memory.notna() & used.notna()
    if not known.any() or not (used[known] == memory[known]).all():
        return False
    return init_first or bool((memory[known] == EMULATOR_MEMORY_MB).any())
