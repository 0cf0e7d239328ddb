"""What-if Lambda cost for one configuration (``advisor pricing cost``)."""

from __future__ import annotations

from dataclasses import dataclass

from advisor import limits
from advisor.errors import UsageError
from advisor.platform import aws_lambda
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_REGION
from advisor.pricing._base import CostBreakdown
from advisor.pricing._catalog import PriceCatalog
from advisor.pricing.lambda_ import lambda_month_cost, lambda_records_cost, prices, provisioned_cost
from advisor.pricing.money import div, mul
from advisor.units import MB_MS_PER_GB_S


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
    catalog: PriceCatalog,
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
    aws_lambda.check_architecture(arch)
    billed = int(aws_lambda.billed_ms(duration_ms)[()])
    on_pc = provisioned is not None
    allocated = (provisioned_cost(provisioned, memory_mb, hours, catalog=catalog, region=region, arch=arch)
                 if on_pc else None)
    if invocations is None:
        cost = lambda_records_cost(billed, memory_mb, catalog=catalog, region=region, arch=arch, on_provisioned=on_pc)
    elif on_pc:
        _, arch_prices = prices(catalog, region, arch)
        pc_rate = arch_prices.provisioned_duration
        assert pc_rate is not None  # provisioned_cost above raised otherwise
        compute = div(mul(invocations, billed, memory_mb, pc_rate.value), MB_MS_PER_GB_S)
        requests = lambda_month_cost(0, invocations, catalog=catalog, region=region, arch=arch).requests_usd
        cost = CostBreakdown.of(compute=compute, requests=requests)
    else:
        gb_s = div(mul(invocations, billed, memory_mb), MB_MS_PER_GB_S)
        cost = lambda_month_cost(gb_s, invocations, catalog=catalog, region=region, arch=arch, free_tier=free_tier)
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
    aws_lambda.check_memory_mb(memory_mb)
    limits.DURATION_MS.check(duration_ms, option="--duration-ms")
    if invocations is not None:
        limits.INVOCATIONS.check(invocations, option="--invocations")
    if hours is not None:
        limits.HOURS.check(hours, option="--hours")
    if provisioned is not None:
        limits.INSTANCES.check(provisioned, option="--provisioned")
    if free_tier and invocations is None:
        raise UsageError("--free-tier needs --invocations (the free tier is monthly).")
    if (provisioned is None) != (hours is None):
        raise UsageError("--provisioned and --hours go together.")
    if provisioned is not None and free_tier:
        raise UsageError("--free-tier does not apply to provisioned concurrency; drop one of them.")
    if provisioned is not None and provisioned < 1:
        raise UsageError(f"--provisioned {provisioned} must be at least 1.", hint="Drop --provisioned for none.")
