"""The invocation record: the one table every importer produces.

Every source (CloudWatch text or JSON logs, exports, public traces, the local
target) yields these columns, so everything downstream is format-blind. See
``DESIGN.md`` ("The invocation record") for the meaning of each column.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

STATUS_SUCCESS = "success"
STATUS_TIMEOUT = "timeout"
STATUS_ERROR = "error"
STATUSES = (STATUS_SUCCESS, STATUS_TIMEOUT, STATUS_ERROR)

#: Column name -> logical type (``string``, ``timestamp`` (ns, UTC), ``double``, ``int64``).
#: Nullable throughout; ``function``, ``request_id``, ``end_time``, ``duration_ms`` and
#: ``status`` are required to be non-null. Kept free of pandas and pyarrow so that the
#: workspace and the bulk importer start without importing them.
TYPES: dict[str, str] = {
    "function": "string",
    "request_id": "string",
    "start_time": "timestamp",
    "end_time": "timestamp",
    "duration_ms": "double",
    "billed_duration_ms": "int64",
    "memory_mb": "int64",
    "max_memory_used_mb": "int64",
    "init_ms": "double",
    "restore_ms": "double",
    "billed_restore_ms": "int64",
    "status": "string",
    "error_type": "string",
    "log_stream": "string",
    "architecture": "string",
}


@cache
def arrow_schema() -> pa.Schema:
    """The record columns as an Arrow schema (timestamps in ns, UTC)."""
    import pyarrow as pa

    arrow = {"string": pa.string(), "timestamp": pa.timestamp("ns", tz="UTC"),
             "double": pa.float64(), "int64": pa.int64()}
    return pa.schema([(name, arrow[kind]) for name, kind in TYPES.items()])


def __getattr__(name: str) -> Any:
    # ``SCHEMA`` is built on first use: pyarrow costs start-up time that most commands skip.
    if name == "SCHEMA":
        return arrow_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


COLUMNS: tuple[str, ...] = tuple(TYPES)
#: The columns a plain REPORT line can fill, in record order: what the bulk import reads
#: (``advisor.logs.fast``). Such a line never holds a restore time (SnapStart lines go to the
#: exact parser), nor the log stream or the architecture, so these stay null.
REPORT_COLUMNS: tuple[str, ...] = tuple(
    name for name in COLUMNS if name not in ("restore_ms", "billed_restore_ms", "log_stream", "architecture"))


def report_start_sql(end_ns: str) -> str:
    """SQL: a REPORT line's start time (``TIMESTAMP_NS``) from its end (the SQL ``end_ns``, epoch
    ns) and the ``duration_ms`` and ``init_ms`` columns: ``end - duration - init``, the
    nanoseconds rounded half to even (as numpy rounds them in the exact parser)."""
    return (f"make_timestamp_ns({end_ns} - CAST(round_even((duration_ms + coalesce(init_ms, 0)) * 1000000, 0) "
            "AS BIGINT))")
REQUIRED: tuple[str, ...] = ("function", "request_id", "duration_ms", "status")

#: pandas dtypes matching :data:`TYPES` (nullable extension types where ints may be null).
DTYPES: dict[str, str] = {
    "function": "string",
    "request_id": "string",
    "start_time": "datetime64[ns, UTC]",
    "end_time": "datetime64[ns, UTC]",
    "duration_ms": "float64",
    "billed_duration_ms": "Int64",
    "memory_mb": "Int64",
    "max_memory_used_mb": "Int64",
    "init_ms": "float64",
    "restore_ms": "float64",
    "billed_restore_ms": "Int64",
    "status": "string",
    "error_type": "string",
    "log_stream": "string",
    "architecture": "string",
}


def empty_frame() -> pd.DataFrame:
    """Return an empty record table with the right columns and dtypes."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in DTYPES.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the record columns, in order, with record dtypes.

    Missing optional columns are added as nulls; extra columns are dropped.

    Raises:
        ValueError: a required column is missing (a programming error in an importer).
    """
    import pandas as pd

    missing = [name for name in REQUIRED if name not in frame.columns]
    if missing:
        raise ValueError(f"record table lacks required columns {missing}")
    out = {}
    for name, dtype in DTYPES.items():
        if name in frame.columns:
            out[name] = frame[name].astype(dtype)
        else:
            out[name] = pd.Series(index=frame.index, dtype=dtype)
    return pd.DataFrame(out)


def to_json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Render records as JSON-ready dicts: ISO 8601 UTC times, nulls as ``None``.

    The ``function`` and ``architecture`` columns are omitted; they belong to the
    function, not to one invocation's log line.
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    fields = [c for c in COLUMNS if c not in ("function", "architecture")]
    for row in frame[fields].itertuples(index=False):
        item: dict[str, Any] = {}
        for name, value in zip(fields, row, strict=False):
            item[name] = _json_value(value, pd)
        rows.append(item)
    return rows


def _json_value(value: Any, pd: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").isoformat().replace("+00:00", "Z")
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalar
        return _json_value(value.item(), pd)
    return value
