"""Where model samples come from: measurement CSV tables and the workspace's invocations.

A sample table has one row per invocation (or per averaged point) with ``memory_mb``,
``duration_ms`` and, when known, ``init_ms`` (cold start), ``max_memory_used_mb`` and
``package_mb``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.platform.aws_lambda import MEMORY

if TYPE_CHECKING:
    from advisor.workspace import Workspace

REQUIRED_COLUMNS = ("memory_mb", "duration_ms")
OPTIONAL_COLUMNS = ("init_ms", "max_memory_used_mb", "package_mb")
HINT = "Fix or remove that row; the table needs memory_mb and duration_ms on every row."


def read_measurements(path: Path) -> pd.DataFrame:
    """Read a measurement CSV into a sample table, checking every row.

    Raises:
        NotFoundError: The file does not exist.
        InputError: Missing columns or a bad value, naming the file and line.
    """
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file.", hint="Give the path of a CSV table.")
    try:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise InputError(
                    f"{path}:1: missing column(s) {', '.join(missing)}.",
                    hint=f"The header must name {', '.join(REQUIRED_COLUMNS)} "
                    f"(optional: {', '.join(OPTIONAL_COLUMNS)}).",
                )
            columns = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in header]
            rows = [_row(path, line, raw, columns) for line, raw in enumerate(reader, start=2)]
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text CSV file ({exc.reason}).") from exc
    if not rows:
        raise InputError(f"{path}: no data rows.", hint="Add one row per invocation.")
    return pd.DataFrame(rows, columns=columns)


def _row(path: Path, line: int, raw: dict[str, str | None], columns: list[str]) -> list[float]:
    values = []
    for column in columns:
        text = (raw.get(column) or "").strip()
        if not text and column in OPTIONAL_COLUMNS:
            values.append(np.nan)
            continue
        try:
            value = float(text)
        except ValueError:
            message = f"{path}:{line}: {column} {text!r} is not a number."
            raise InputError(message, hint=HINT) from None
        if not np.isfinite(value) or value < 0 or (column == "duration_ms" and value == 0):
            message = f"{path}:{line}: {column} {text!r} must be a positive number."
            raise InputError(message, hint=HINT)
        if column == "memory_mb" and not MEMORY.contains(value):
            raise InputError(
                f"{path}:{line}: memory_mb {text!r} is not a whole number within {MEMORY.range_text()}.",
                hint=HINT,
            )
        values.append(value)
    return values


def workspace_samples(invocations: pd.DataFrame, function: str) -> pd.DataFrame:
    """Sample table from a function's invocation records (successful invocations only).

    Timeouts and errors are left out: their durations are cut short or padded and do not
    describe how long the work takes.

    Raises:
        InputError: The function has no successful invocations.
    """
    ok = invocations[invocations["status"] == "success"]
    if ok.empty:
        raise InputError(
            f"function {function!r} has no successful invocations in the workspace.",
            hint="Import its logs first (advisor import ...) or Power Tuning's results "
            "(advisor import powertuning).",
        )
    samples = pd.DataFrame(
        {
            column: ok[column].to_numpy(dtype=float, na_value=np.nan)
            for column in ("memory_mb", "duration_ms", "init_ms", "max_memory_used_mb")
        }
    )
    samples["architecture"] = ok["architecture"].to_numpy(dtype=object)
    return samples


def one_architecture(samples: pd.DataFrame, arch: str) -> pd.DataFrame:
    """The samples of architecture ``arch`` when they mix several (unknown ones count as it).

    Raises:
        UsageError: The samples mix architectures and none is ``arch``.
    """
    if "architecture" not in samples.columns:
        return samples
    known = samples["architecture"].dropna()
    if known.nunique() <= 1:
        return samples.drop(columns="architecture")
    kept = samples[samples["architecture"].isna() | (samples["architecture"] == arch)]
    if kept.empty or kept["architecture"].isna().all():
        raise UsageError(
            f"the samples mix architectures {', '.join(sorted(known.unique()))}, none is {arch!r}.",
            hint="Choose one with --arch.",
        )
    return kept.drop(columns="architecture")


def load_samples(
    function: str | None, data: Path | None, workspace: Path | None = None
) -> tuple[pd.DataFrame, str | None]:
    """Samples from a measurement CSV or from a function in the workspace.

    Args:
        function: Function name in the workspace (exclusive with ``data``).
        data: Path of a measurement CSV (exclusive with ``function``).
        workspace: Workspace directory (None: ``$ADVISOR_HOME`` or ``./.advisor``).

    Returns:
        The sample table and the function's architecture when the workspace knows it.

    Raises:
        UsageError: Neither or both of ``function`` and ``data`` were given.
    """
    if (function is None) == (data is None):
        raise UsageError(
            "give either a FUNCTION name or --data CSV, not both or neither.",
            hint="e.g. advisor model fit my-function, or advisor model fit --data runs.csv",
        )
    if data is not None:
        return read_measurements(data), None
    from advisor.workspace import Workspace  # DuckDB is only needed for this source

    assert function is not None
    with Workspace.open(workspace) as ws:
        info = ws.function(function)
        return function_samples(ws, function), info.architecture


def function_samples(store: Workspace, function: str) -> pd.DataFrame:
    """A function's samples in the workspace: its traffic's successful invocations and, where
    imported, Power Tuning's mean at each size it measured (one sample per size and run:
    Power Tuning reports means, not invocations; see docs/powertuning.md).

    Raises:
        InputError: The function has neither.
    """
    from advisor.powertuning.results import sample_table

    invocations = store.invocations(function)
    tuned = sample_table(store, function)
    if tuned.empty:
        return workspace_samples(invocations, function)
    if not (invocations["status"] == "success").any():
        return tuned
    return pd.concat([workspace_samples(invocations, function), tuned], ignore_index=True)


def require_two_sizes(samples: pd.DataFrame, what: str = "the samples") -> None:
    """Raise InputError unless ``samples`` hold durations at two or more memory sizes."""
    sizes = sorted(samples["memory_mb"].dropna().astype(int).unique())
    if len(sizes) < 2:
        measured = f"{sizes[0]} MB" if sizes else "no memory size"
        raise InputError(
            f"{what} only measured at {measured}; predicting another size needs durations "
            "at two or more sizes (the split between CPU and I/O time cannot be known from one).",
            hint="Import logs from a period with another memory setting, or measure another "
            "size (advisor model fit --data CSV).",
        )

