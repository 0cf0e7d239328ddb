"""Lambda cost of a table of invocation records (:mod:`advisor.record` columns)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import UsageError
from advisor.platform.aws_lambda import ARCHITECTURES, DEFAULT_ARCH, DEFAULT_REGION, check_architecture
from advisor.pricing._base import CostBreakdown
from advisor.pricing._catalog import PriceCatalog
from advisor.pricing.lambda_ import lambda_records_cost


def billed_column(frame: pd.DataFrame) -> pd.Series:
    """Billed milliseconds per record, as AWS billed them.

    ``billed_duration_ms`` as logged (it already holds whatever init AWS billed; init is never
    added), or, where a source has no billed duration (public traces), ``duration_ms``; plus
    ``billed_restore_ms`` (SnapStart runtime load and hooks, billed as duration). Rounding to the
    billing granularity happens in :func:`~advisor.pricing.lambda_.billed_ms`.
    """
    billed = frame["billed_duration_ms"].astype("Float64").fillna(frame["duration_ms"].astype("Float64"))
    if "billed_restore_ms" in frame:
        billed = billed + frame["billed_restore_ms"].astype("Float64").fillna(0)
    return billed


def records_cost(
    frame: pd.DataFrame,
    *,
    catalog: PriceCatalog,
    region: str = DEFAULT_REGION,
    arch: str | None = None,
    memory_mb: int | None = None,
    on_provisioned: Any = None,
) -> CostBreakdown:
    """Cost of the invocations in ``frame`` at the first-tier rate, without free tier.

    Args:
        frame: Invocation records (``advisor.record`` columns).
        catalog: The prices of the command's workspace.
        region: AWS region.
        arch: Architecture for every record; default: each record's ``architecture``
            (``x86_64`` where unknown). Mixed architectures are priced separately and summed.
        memory_mb: Memory for records whose ``memory_mb`` is missing.
        on_provisioned: Optional boolean mask of records served on provisioned instances.

    Raises:
        UsageError: A record has no memory and ``memory_mb`` was not given, or an unknown architecture.
    """
    memory = frame["memory_mb"].astype("Int64")
    if memory_mb is not None:
        memory = memory.fillna(memory_mb)
    if memory.isna().any():
        raise UsageError(
            f"{int(memory.isna().sum())} of {len(frame)} records have no memory_mb.",
            hint="Give the function's memory (memory_mb=...).",
        )
    arches = _arches(frame, arch)
    billed = billed_column(frame)
    ends = frame["end_time"] if "end_time" in frame and frame["end_time"].notna().all() else None
    mask = np.zeros(len(frame), dtype=bool) if on_provisioned is None else np.asarray(on_provisioned, dtype=bool)
    total = CostBreakdown()
    for name in ARCHITECTURES:
        rows = (arches == name).to_numpy()
        if rows.any():
            total = total + lambda_records_cost(
                billed[rows], memory[rows], catalog=catalog, region=region, arch=name,
                on_provisioned=mask[rows] if on_provisioned is not None else None,
                end_time=ends[rows] if ends is not None else None,
            )
    return total


def _arches(frame: pd.DataFrame, arch: str | None) -> pd.Series:
    if arch is not None:
        values = pd.Series(arch, index=frame.index, dtype="string")
    elif "architecture" in frame:
        values = frame["architecture"].astype("string").fillna(DEFAULT_ARCH)
    else:
        values = pd.Series(DEFAULT_ARCH, index=frame.index, dtype="string")
    for name in sorted(set(values.unique()) - set(ARCHITECTURES)):
        check_architecture(name, option="architecture")
    return values
