"""The tuner's own invocation records in the workspace, apart from the real traffic.

They go to a table of their own (``tuning_invocations``: the record columns plus the study
and trial), never to ``invocations``: everything that replays or analyses a function's real
traffic reads ``invocations`` only, so a tuning's invocations are never taken for traffic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pandas as pd

from advisor.record import TYPES

if TYPE_CHECKING:
    from advisor.tune.measure import Measurement
    from advisor.workspace import Workspace

TABLE: Final = "tuning_invocations"
_SQL = {"string": "VARCHAR", "timestamp": "TIMESTAMPTZ", "double": "DOUBLE", "int64": "BIGINT"}


def _create(store: Workspace) -> None:
    columns = ", ".join(f"{name} {_SQL[kind]}" for name, kind in TYPES.items())
    store.connection.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({columns}, study VARCHAR, trial BIGINT)")


def store_tuning_records(store: Workspace, function: str, study: str, measurement: Measurement) -> int:
    """Keep one trial's invocation records (marked with the study and trial); returns how many."""
    rows = [r for r in measurement.records if r.get("request_id") is not None]
    if not rows:
        return 0
    _create(store)
    frame = pd.DataFrame([{name: r.get(name) for name in TYPES} for r in rows])
    frame["function"] = function
    for name, kind in TYPES.items():
        if kind == "timestamp":
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    frame["study"] = study
    frame["trial"] = measurement.trial
    store.connection.register("_tuning_rows", frame)
    try:
        names = ", ".join([*TYPES, "study", "trial"])
        store.connection.execute(f"INSERT INTO {TABLE} ({names}) SELECT {names} FROM _tuning_rows")
    finally:
        store.connection.unregister("_tuning_rows")
    return len(rows)


def tuning_records(store: Workspace, function: str) -> pd.DataFrame:
    """Every tuning record of ``function`` (empty when it was never tuned)."""
    _create(store)
    return store.connection.execute(f"SELECT * FROM {TABLE} WHERE function = ? ORDER BY study, trial",
                                    [function]).df()
