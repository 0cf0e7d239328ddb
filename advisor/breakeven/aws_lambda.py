"""AWS Lambda at one configuration (memory, architecture, keep-warm), with or without provisioned concurrency.

The workload is replayed by the replay engine exactly as ``advisor replay`` replays it
(:func:`advisor.simulate.session.replay_trace`: the durations moved to the memory size through
the models' one rescaling path, the observed or given init times, the same seed) and priced by
its one cost function (:mod:`advisor.simulate.billing`), so the two commands give the same
figure for the same configuration. The best configuration is the tuner's to find; this model
takes a memory size and a keep-warm setting.

Keep-warm: a :class:`~advisor.tune.keepwarm.KeepWarm` setting (none, warm-up pings, an hourly
provisioned schedule, N provisioned instances), replayed and priced through its own replay
configuration and pings, as the tuner's and ``advisor recommend``'s candidates are and as
``advisor replay`` replays the options it names (:meth:`KeepWarm.replay_options`): pings are
invocations, billed with their duration; a schedule's instances are billed by the hour. A
setting is the same at every volume: the pings are a clock, not traffic, and a schedule is a
count per hour given or chosen for the real traffic (scaling it would be a different setting,
and the ``auto`` row already shows provisioned concurrency that grows with the volume). Or
provisioned concurrency ``auto``: the mean number of busy instances at the workload's volume,
rounded up (at least 1), so that it scales with the volume.
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor import limits
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
    from advisor.tune.keepwarm import KeepWarm

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
        provisioned: Provisioned instances, :data:`AUTO`, or 0 for none (then ``keep_warm``).
        keep_warm: The keep-warm setting, the same at every volume (``None``: none).
        region: Pricing region.
        seed: Seed of the replay's draws (init times, routing).

    Raises:
        UsageError: a bad memory size, or both ``provisioned`` and a ``keep_warm`` setting.
    """

    def __init__(self, catalog: PriceCatalog, *, memory_mb: int | None = None, arch: str = DEFAULT_ARCH,
                 keep_alive_s: float = DEFAULT_KEEP_ALIVE_S, provisioned: int | str = 0,
                 keep_warm: KeepWarm | None = None, region: str = DEFAULT_REGION, seed: int = 0) -> None:
        if memory_mb is not None:
            check_memory_mb(memory_mb)
        limits.KEEP_ALIVE_S.check(keep_alive_s, option="--keep-alive")
        if provisioned != AUTO and not isinstance(provisioned, int):
            raise UsageError(f"provisioned {provisioned!r} is not a number of instances or {AUTO}.")
        if provisioned and keep_warm is not None and keep_warm.kind != "none":
            raise UsageError(f"provisioned {provisioned} and keep-warm {keep_warm.describe()} are two settings; "
                             "give one.")
        self.catalog, self.memory_mb, self.arch, self.region = catalog, memory_mb, arch, region
        self.keep_alive_s, self.provisioned, self.seed = keep_alive_s, provisioned, seed
        self.keep_warm = keep_warm if keep_warm is not None and keep_warm.kind != "none" else None
        memory = f"{memory_mb:,} MB" if memory_mb else "measured memory"
        self.name = f"lambda {memory}" + (f" pc={provisioned}" if provisioned else _label(self.keep_warm))

    def assumptions(self) -> dict[str, Any]:
        """Memory, architecture, region, keep-alive, provisioned concurrency, and the keep-warm
        setting's schedule or pings where it has them."""
        kw = self.keep_warm
        found: dict[str, Any] = {"memory_mb": self.memory_mb, "architecture": self.arch, "region": self.region,
                                 "keep_alive": format_duration(self.keep_alive_s),
                                 "provisioned": self.provisioned or (kw.provisioned if kw else 0)}
        if kw is not None and kw.schedule is not None:
            found["provisioned_schedule"] = kw.schedule.spec()
        if kw is not None and kw.pings is not None:
            found["pings"] = str(kw.pings)
        return found

    def provisioned_for(self, workload: Workload) -> int:
        """Provisioned instances at ``workload``'s volume (``auto``: its mean busy instances, rounded up)."""
        if self.provisioned != AUTO:
            return int(self.provisioned)
        busy = float(np.sum(workload.trace.service_ms)) / MS_PER_S / workload.horizon_s
        return max(1, math.ceil(busy))

    def scenario(self, workload: Workload, service: Service, memory_mb: int) -> Scenario:
        """The replay scenario at ``workload``'s volume: the keep-warm setting's own replay
        configuration and pings (as the tuner replays it), at this keep-alive, memory and region."""
        from advisor.tune.keepwarm import KeepWarm

        keep_warm = self.keep_warm or KeepWarm("none")
        if self.provisioned:
            keep_warm = KeepWarm("provisioned", provisioned=self.provisioned_for(workload))
        config = keep_warm.replay_config(memory_mb=memory_mb, region=self.region, arch=self.arch)
        return Scenario("base", dataclasses.replace(config, keep_alive_s=self.keep_alive_s), service.init_ms,
                        keep_warm.pings)

    def evaluate(self, workload: Workload, service: Service, sla: Sla) -> PlatformResult:
        """Replay and price ``workload`` as ``advisor replay`` does at this configuration."""
        memory = self.memory_mb or workload.trace.memory_mb
        if memory is None:
            return PlatformResult.not_available(self.name, workload, NO_MEMORY)
        try:
            report = replay_trace(workload.trace, self.scenario(workload, service, memory), memory_mb=memory,
                                  seed=self.seed, catalog=self.catalog)
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


def _label(keep_warm: KeepWarm | None) -> str:
    """The keep-warm setting in a platform's name: `` pings 1/4m``, `` schedule peak 2``, `` pc=2``."""
    if keep_warm is None:
        return ""
    if keep_warm.pings is not None:
        return f" pings {keep_warm.pings.concurrency}/{format_duration(keep_warm.pings.interval_s)}"
    if keep_warm.schedule is not None:
        return f" schedule peak {keep_warm.schedule.peak}"
    return f" pc={keep_warm.provisioned}"
