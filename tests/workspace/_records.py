"""Small known record tables for the workspace and analyze tests."""

from __future__ import annotations

import pandas as pd

from advisor.record import conform


def make_records(
    function: str,
    rows: list[tuple[str, str, float, float | None]],
    *,
    memory_mb: int = 1024,
    log_stream: str | None = "stream-a",
) -> pd.DataFrame:
    """Records from ``(request_id, end ISO time, duration_ms, init_ms)`` tuples."""
    end = pd.to_datetime([row[1] for row in rows], utc=True, format="ISO8601")
    duration = pd.Series([row[2] for row in rows], dtype="float64")
    init = pd.Series([row[3] for row in rows], dtype="float64")
    start = end - pd.to_timedelta(duration.to_numpy() + init.fillna(0).to_numpy(), unit="ms")
    frame = pd.DataFrame(
        {
            "function": function,
            "request_id": [row[0] for row in rows],
            "start_time": start,
            "end_time": end,
            "duration_ms": duration,
            "billed_duration_ms": duration.apply(lambda d: int(-(-d // 1))).astype("Int64"),
            "memory_mb": memory_mb,
            "max_memory_used_mb": 100,
            "init_ms": init,
            "status": "success",
            "log_stream": log_stream,
        }
    )
    return conform(frame)
