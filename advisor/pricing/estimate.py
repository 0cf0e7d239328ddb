"""What-if Lambda cost for one configuration (``advisor pricing cost``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from advisor.errors import UsageError
from advisor.pricing._base import CostBreakdown
from advisor.pricing._money import MB_MS_PER_GB_S, div, mul
from advisor.pricing.lambda_ import (
    DEFAULT_ARCH,
    DEFAULT_REGION,
    lambda_month_cost,
    lambda_records_cost,
    prices,
    provisioned_cost,
)

MIN_MEMORY_MB: Final = 128
MAX_MEMORY_MB: Final = 10240


@dataclass(frozen=True)
class LambdaEstimate:
    """A cost breakdown and the inputs it was computed for."""

    cost: CostBreakdown
    memory_mb: int
    billed_duration_ms: int
    arch: str
    region: str
    invocations: int | None
    free_tier: bool
    provisioned: int | None
    hours: float | None


def lambda_estimate(
    memory_mb: int,
    duration_ms: float,
    *,
    arch: str = DEFAULT_ARCH,
    region: str = DEFAULT_REGION,
    invocations: int | None = None,
    free_tier: bool = False,
    provisioned: int | None = None,
    hours: float | None = None,
) -> LambdaEstimate:
    """Cost of one invocation, or of ``invocations`` in a month, of one configuration.

    Without ``invocations`` the figures are per invocation (first-tier rate). With them,
    the invocations are treated as one month: monthly tiers and, if asked, the free tier.
    With ``provisioned`` instances for ``hours``, every invocation is served on them (duration
    at the provisioned rate, no free tier) and ``provisioned_usd`` is the allocation charge.

    Raises:
        UsageError: Inconsistent or out-of-range options.
    """
    _check(memory_mb, duration_ms, invocations, free_tier, provisioned, hours)
    billed = max(1, math.ceil(duration_ms))
    on_pc = provisioned is not None
    allocated = provisioned_cost(provisioned, memory_mb, hours, region=region, arch=arch) if on_pc else None
    if invocations is None:
        cost = lambda_records_cost(billed, memory_mb, region=region, arch=arch, on_provisioned=on_pc)
    elif on_pc:
        region_prices, arch_prices = prices(region, arch)
        pc_rate = arch_prices.provisioned_duration
        assert pc_rate is not None  # provisioned_cost above raised otherwise
        compute = div(mul(invocations, billed, memory_mb, pc_rate.value), MB_MS_PER_GB_S)
        requests = lambda_month_cost(0, invocations, region=region, arch=arch).requests_usd
        cost = CostBreakdown.of(compute=compute, requests=requests)
    else:
        gb_s = div(mul(invocations, billed, memory_mb), MB_MS_PER_GB_S)
        cost = lambda_month_cost(gb_s, invocations, region=region, arch=arch, free_tier=free_tier)
    if allocated is not None:
        cost = cost + CostBreakdown.of(provisioned=allocated)
    return LambdaEstimate(cost, memory_mb, billed, arch, region, invocations, free_tier, provisioned, hours)


def _check(
    memory_mb: int,
    duration_ms: float,
    invocations: int | None,
    free_tier: bool,
    provisioned: int | None,
    hours: float | None,
) -> None:
    if not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise UsageError(f"--memory {memory_mb} is outside Lambda's {MIN_MEMORY_MB}-{MAX_MEMORY_MB} MB.")
    if not math.isfinite(duration_ms) or duration_ms < 0:
        raise UsageError(f"--duration-ms {duration_ms} must be a non-negative number.")
    if invocations is not None and invocations < 0:
        raise UsageError(f"--invocations {invocations} must not be negative.")
    if free_tier and invocations is None:
        raise UsageError("--free-tier needs --invocations (the free tier is monthly).")
    if (provisioned is None) != (hours is None):
        raise UsageError("--provisioned and --hours go together.")
    if provisioned is not None and free_tier:
        raise UsageError("--free-tier does not apply to provisioned concurrency; drop one of them.")
    if provisioned is not None and (provisioned < 1 or hours is None or hours < 0):
        raise UsageError(f"--provisioned {provisioned} must be at least 1 and --hours not negative.")
