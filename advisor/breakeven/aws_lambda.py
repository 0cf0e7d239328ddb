"""AWS Lambda at one configuration (memory, architecture, keep-warm), with or without provisioned concurrency.

The workload is replayed by the replay engine exactly as ``advisor replay`` replays it
(:func:`advisor.simulate.session.replay_trace`: the durations moved to the memory size through
the models' one rescaling path, the observed or given init times, the same seed) and priced by
its one cost function (:mod:`advisor.simulate.billing`), so the two commands give the same
figure for the same configuration. The best configuration is the tuner's to find; this model
takes a memory size and a keep-warm setting.

Provisioned concurrency: a number of instances, or ``auto``: the mean number of busy instances
at the workload's volume, rounded up (at least 1), so that it scales with the volume.
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.breakeven._base import PlatformModel, PlatformResult, Service, Workload
from advisor.errors import UsageError
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_KEEP_ALIVE_S, DEFAULT_REGION, check_memory_mb
from advisor.pricing.money import ZERO
from advisor.simulate.scenarios import Scenario
from advisor.simulate.session import replay_trace
from advisor.units import MS_PER_S, format_duration

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.sla import Sla

#: ``provisioned`` value that sizes provisioned concurrency to the volume.
AUTO = "auto"
NO_MEMORY = "n/a: the memory size is unknown; give --memory"


class LambdaModel(PlatformModel):
    """Lambda at ``memory_mb`` (``None``: the memory the traffic was measured at).

    Args:
        catalog: The prices of the command's workspace.
        memory_mb: Memory size; ``None`` for the traffic's own.
        arch: ``x86_64`` or ``arm64``.
        keep_alive_s: Idle time before an on-demand instance expires.
        provisioned: Provisioned instances, :data:`AUTO`, or 0 for none.
        region: Pricing region.
        seed: Seed of the replay's draws (init times, routing).
    """

    def __init__(self, catalog: PriceCatalog, *, memory_mb: int | None = None, arch: str = DEFAULT_ARCH,
                 keep_alive_s: float = DEFAULT_KEEP_ALIVE_S, provisioned: int | str = 0,
                 region: str = DEFAULT_REGION, seed: int = 0) -> None:
        if memory_mb is not None:
            check_memory_mb(memory_mb)
        if provisioned != AUTO and not isinstance(provisioned, int):
            raise UsageError(f"provisioned {provisioned!r} is not a number of instances or {AUTO}.")
        self.catalog, self.memory_mb, self.arch, self.region = catalog, memory_mb, arch, region
        self.keep_alive_s, self.provisioned, self.seed = keep_alive_s, provisioned, seed
        memory = f"{memory_mb:,} MB" if memory_mb else "measured memory"
        self.name = f"lambda {memory}" + ("" if not provisioned else f" pc={provisioned}")

    def assumptions(self) -> dict[str, Any]:
        """Memory, architecture, region, keep-alive and provisioned concurrency."""
        return {"memory_mb": self.memory_mb, "architecture": self.arch, "region": self.region,
                "keep_alive": format_duration(self.keep_alive_s),
                "provisioned": self.provisioned if self.provisioned else 0}

    def provisioned_for(self, workload: Workload) -> int:
        """Provisioned instances at ``workload``'s volume (``auto``: its mean busy instances, rounded up)."""
        if self.provisioned != AUTO:
            return int(self.provisioned)
        busy = float(np.sum(workload.trace.service_ms)) / MS_PER_S / workload.horizon_s
        return max(1, math.ceil(busy))

    def evaluate(self, workload: Workload, service: Service, sla: Sla) -> PlatformResult:
        """Replay and price ``workload`` as ``advisor replay`` does at this configuration."""
        memory = self.memory_mb or workload.trace.memory_mb
        if memory is None:
            return PlatformResult.not_available(self.name, workload, NO_MEMORY)
        base = Scenario.from_options(keep_alive_s=self.keep_alive_s, provisioned=self.provisioned_for(workload),
                                     init_ms=service.init_ms, memory_mb=memory)
        base = dataclasses.replace(base, config=dataclasses.replace(base.config, arch=self.arch, region=self.region))
        try:
            report = replay_trace(workload.trace, base, memory_mb=memory, seed=self.seed, catalog=self.catalog)
        except UsageError as exc:  # the traffic cannot be moved to this memory size
            return PlatformResult.not_available(self.name, workload, f"n/a: {exc.message}")
        result = report.runs[0][1]
        assert result.cost is not None
        period: dict[str, Decimal] = {"compute": result.cost.compute_usd, "requests": result.cost.requests_usd}
        if result.cost.provisioned_usd != ZERO:
            period["provisioned"] = result.cost.provisioned_usd
        latency = np.where(result.throttled, np.nan, result.latency_ms)
        return PlatformResult.of(self.name, workload, sla, latency_ms=latency, cold=result.cold, period=period,
                                 notes=tuple(report.notes))
