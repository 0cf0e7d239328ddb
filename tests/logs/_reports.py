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


#: Canonical lines in each layout the fast path owns, to be mutated.
CANONICAL_LINES = [
    "2026-01-05T00:00:00.077Z REPORT RequestId: ffe42279-f3bd-4683-a6a8-52c1bb9651f3\tDuration: 50.44 ms"
    "\tBilled Duration: 51 ms\tMemory Size: 1024 MB\tMax Memory Used: 218 MB\t",
    "2026-01-05T00:00:00.573123Z REPORT RequestId: a972cd3f-a02f-444f-8870-78de451f5f6c\tDuration: 37.56 ms"
    "\tBilled Duration: 38 ms\tMemory Size: 1024 MB\tMax Memory Used: 348 MB\tInit Duration: 200.84 ms\t",
    "REPORT RequestId: 0b6f6e2c-1a52-4a5e-9d1b-6f0e8d1b2c3a\tDuration: 3000.00 ms\tBilled Duration: 3000 ms"
    "\tMemory Size: 512 MB\tMax Memory Used: 300 MB\tStatus: error\tError Type: Runtime.ExitError",
    "2026-01-05T00:00:01Z REPORT RequestId: retry-5\tDuration: 9 ms\tBilled Duration: 8 ms"
    "\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
    "2026-01-05T00:00:02.5Z REPORT RequestId: c0ld-1\tDuration: 12.5 ms\tBilled Duration: 13 ms"
    "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tInit Duration: 300.1 ms\tStatus: error"
    "\tError Type: Runtime.OutOfMemory\t",
]
#: Characters that change the meaning of a REPORT line when put in the wrong place.
MUTATION_CHARS = list("0123456789abcfXZT:.-_ \t\\eE+ms") + ["\u0663", "\u00a0", "Init Duration: 1 ms",
                                                               "Status: ", "Error Type: X", "XRAY", "\tDuration: 2 ms"]
edits = st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.integers(0, 200),
                  st.sampled_from(MUTATION_CHARS))


def mutate(line: str, changes: list[tuple[str, int, str]]) -> str:
    """``line`` with each (insert | delete | replace, position, text) change applied."""
    for kind, at, text in changes:
        at %= len(line) + (kind == "insert")
        if kind == "insert":
            line = line[:at] + text + line[at:]
        elif kind == "delete":
            line = line[:at] + line[at + 1:]
        else:
            line = line[:at] + text + line[at + 1:]
    return line
