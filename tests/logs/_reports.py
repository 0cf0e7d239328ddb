"""Hypothesis strategies for plain-text Lambda logs, shared by the fast-path and bulk tests."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

#: The fields of one canonical REPORT line.
values = st.fixed_dictionaries({
    "rid": st.from_regex(r"[0-9a-f]{8}-[0-9a-f]{4}", fullmatch=True),
    "duration": st.integers(0, 10_000_000).map(lambda n: n / 100),
    "extra": st.integers(0, 300),
    "memory": st.integers(128, 10240),
    "used": st.integers(1, 10240),
    "init": st.none() | st.integers(0, 1_000_000).map(lambda n: n / 100),
    "status": st.sampled_from([None, "timeout", "error"]),
    "error": st.sampled_from([None, "Runtime.OutOfMemory", "Runtime.ExitError"]),
    "stamp": st.none() | st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(),
                                       max_value=pd.Timestamp("2030-01-01").to_pydatetime()),
    "fraction_digits": st.integers(0, 6),
    "trailing_tab": st.booleans(),
    "billed_below": st.booleans(),
})
#: Lines a log holds besides REPORT records.
noise = st.sampled_from(["START RequestId: abc Version: $LATEST", "END RequestId: abc", "",
                         "2024-01-01T00:00:00.000Z\tabc\tINFO\thello", "XRAY TraceId: 1-2-3\tSampled: true",
                         "INIT_START Runtime Version: python:3.12"])


def report_line(v: dict) -> str:
    """A canonical REPORT line (optionally time-stamped) from drawn ``values``."""
    billed = max(0, int(v["duration"]) - 1) if v["billed_below"] else int(v["duration"]) + 1 + v["extra"]
    text = (f"REPORT RequestId: {v['rid']}\tDuration: {v['duration']:.2f} ms\tBilled Duration: {billed} ms"
            f"\tMemory Size: {v['memory']} MB\tMax Memory Used: {v['used']} MB")
    if v["init"] is not None:
        text += f"\tInit Duration: {v['init']:.2f} ms"
    if v["status"]:
        text += f"\tStatus: {v['status']}"
        if v["status"] == "error" and v["error"]:
            text += f"\tError Type: {v['error']}"
    if v["trailing_tab"]:
        text += "\t"
    if v["stamp"] is not None:
        digits = v["fraction_digits"]
        fraction = "." + v["stamp"].strftime("%f")[:digits] if digits else ""
        text = v["stamp"].strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z " + text
    return text


#: One line of a generated log: a canonical REPORT line or noise.
log_lines = values.map(report_line) | noise
