"""``advisor export powertuning-url``: advisor's own measurements as a Power Tuning chart.

Per memory size (and architecture) the function ran at, in the tuner's records
(:func:`advisor.tune.records.tuning_records`) and in its imported traffic: the mean duration of
the successful invocations (``Duration``, init not added, nothing trimmed) and the cost of one
invocation, priced by the workspace's catalog through :func:`advisor.pricing.records_cost`
(the billed durations as logged). Like Power Tuning's, the cost is the compute charge alone,
without the per-request charge, so the two charts compare. Two architectures make a comparison
URL, one set per architecture with its name as the legend. Power Tuning's own results imported
into the workspace are not exported: the chart shows what advisor measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from advisor.errors import InputError
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_REGION, check_architecture
from advisor.powertuning.url import ChartSet, encode_url
from advisor.pricing import PriceCatalog, records_cost
from advisor.record import STATUS_SUCCESS
from advisor.tune.records import tuning_records
from advisor.workspace import Workspace

#: What the exported cost per invocation is.
COST_BASIS: Final = "compute (duration) charge of one invocation, without the request charge, as Power Tuning's"
#: The record sources read, in the order they are reported.
SOURCES: Final = ("tuning", "traffic")


@dataclass(frozen=True)
class ExportedSize:
    """One size of the exported chart and what it rests on."""

    architecture: str
    memory_mb: int
    invocations: dict[str, int]
    mean_duration_ms: float
    cost_usd: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"architecture": self.architecture, "memory_mb": self.memory_mb,
                "invocations": dict(self.invocations), "mean_duration_ms": self.mean_duration_ms,
                "cost_usd": self.cost_usd}


@dataclass(frozen=True)
class PowerTuningExport:
    """The URL and the figures in it."""

    function: str
    url: str
    region: str
    sizes: tuple[ExportedSize, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the URL beside the sizes, durations and costs it encodes."""
        return {"function": self.function, "url": self.url, "region": self.region,
                "cost_basis": COST_BASIS, "sizes": [s.to_dict() for s in self.sizes]}


def export_url(store: Workspace, function: str, *, catalog: PriceCatalog,
               architecture: str | None = None) -> PowerTuningExport:
    """The Power Tuning visualization URL of ``function``'s measured sizes.

    Args:
        store: The open workspace.
        function: The function.
        catalog: The workspace's prices.
        architecture: Export only this architecture's sizes (default: every one measured).

    Raises:
        NotFoundError: the function is unknown.
        InputError: it has no successful invocation with a memory size (of ``architecture``).
    """
    info = store.function(function)
    if architecture is not None:
        check_architecture(architecture)
    region = info.region or DEFAULT_REGION
    frame = _measured(store, function, info.architecture or DEFAULT_ARCH)
    if architecture is not None:
        frame = frame[frame["architecture"] == architecture]
    if frame.empty:
        only = f" on {architecture}" if architecture else ""
        raise InputError(f"function {function!r} has no successful invocation with a memory size{only} to export.",
                         hint=f"Measure it (advisor tune {function}) or import its logs (advisor import logs).")
    sizes = tuple(_size(group, arch, int(memory), catalog, region)
                  for (arch, memory), group in frame.groupby(["architecture", "memory_mb"], sort=True))
    arches = sorted({s.architecture for s in sizes})
    sets = [ChartSet(tuple(s.memory_mb for s in sizes if s.architecture == arch),
                     tuple(s.mean_duration_ms for s in sizes if s.architecture == arch),
                     tuple(s.cost_usd for s in sizes if s.architecture == arch),
                     arch if len(arches) > 1 else None) for arch in arches]
    return PowerTuningExport(function, encode_url(sets), region, sizes)


def _measured(store: Workspace, function: str, default_arch: str) -> pd.DataFrame:
    """Successful records with a memory size, from both sources, with ``source`` and a known architecture."""
    frames = []
    for source, records in zip(SOURCES, (tuning_records(store, function), store.invocations(function)), strict=True):
        kept = records[(records["status"] == STATUS_SUCCESS) & records["memory_mb"].notna()
                       & records["duration_ms"].notna()].copy()
        kept["source"] = source
        frames.append(kept)
    frame = pd.concat(frames, ignore_index=True)
    frame["architecture"] = frame["architecture"].astype("string").fillna(default_arch)
    frame["memory_mb"] = frame["memory_mb"].astype(int)
    return frame


def _size(group: pd.DataFrame, arch: str, memory: int, catalog: PriceCatalog, region: str) -> ExportedSize:
    count = len(group)
    cost = records_cost(group, catalog=catalog, region=region, arch=arch).compute_usd
    invocations = {source: int((group["source"] == source).sum()) for source in SOURCES}
    return ExportedSize(arch, memory, invocations, float(group["duration_ms"].astype(float).mean()),
                        float(cost) / count)
