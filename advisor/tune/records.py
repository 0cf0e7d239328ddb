"""The tuner's own invocation records in the workspace, marked as tuning records.

They go to a table of their own (``Workspace.import_records(..., tuning=True)``; see
``advisor.workspace.TUNING_TABLE``), which nothing that replays or analyses a function's traffic
reads: a tuning's invocations are measurements, never traffic. The import log names the study
and trial each came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pandas as pd

from advisor.record import TYPES

if TYPE_CHECKING:
    from advisor.tune.measure import Measurement
    from advisor.workspace import Workspace

#: The import log's format name of tuning records.
FORMAT: Final = "advisor-tune"


def store_tuning_records(store: Workspace, function: str, study: str, measurement: Measurement) -> int:
    """Keep one trial's invocation records, marked as tuning records; returns how many were added."""
    rows = [r for r in measurement.records if r.get("request_id") is not None]
    if not rows:
        return 0
    frame = pd.DataFrame([{name: r.get(name) for name in TYPES} for r in rows])
    frame["function"] = function
    for name, kind in TYPES.items():
        if kind == "timestamp":
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    summary = store.import_records(frame, source=f"advisor tune study {study} trial {measurement.trial}",
                                   format=FORMAT, lines=len(rows), parsed=len(rows), ignored=0, rejected=0,
                                   tuning=True)
    return int(summary.added)


def tuning_records(store: Workspace, function: str) -> pd.DataFrame:
    """Every tuning record of ``function``."""
    return store.invocations(function, tuning=True)
