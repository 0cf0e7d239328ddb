"""What a replay costs: its simulated invocations priced by the one cost function of the pricing engine.

The replay is priced as Lambda bills today (:mod:`advisor.platform.aws_lambda`): every job the
pool served is one invocation (a batch is one invocation), billed for the time it held its
instance (init when it was a cold start, then its service; never time spent waiting in a
queue or for a batch to fill), rounded up as Lambda rounds; plus the request charge, the
provisioned rate for jobs served on provisioned instances, and the allocation charge for the
provisioned instance-seconds. :func:`advisor.pricing.lambda_records_cost` prices them, the same
function ``advisor analyze`` prices stored invocations with, so both give the same figure for
the same invocations.

:func:`replay_cost` with ``month_of_s`` prices the same jobs as a month: the replay's period is taken as
representative and scaled to :data:`~advisor.platform.aws_lambda.HOURS_PER_MONTH`, on-demand
duration at the catalog's monthly tiers (:func:`advisor.pricing.lambda_month_cost`, the one
tiered function ``advisor analyze`` projects a month with; no free tier, which belongs to the
account, not to one function), duration on provisioned instances at its rate, and the
provisioned allocation for the scaled instance-seconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from advisor.errors import UsageError
from advisor.platform import aws_lambda
from advisor.units import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from advisor.pricing import CostBreakdown, PriceCatalog
    from advisor.simulate._base import ReplayConfig

#: Why a replay has no cost, by cause.
NO_CATALOG = "n/a: no price catalog was given"
NO_MEMORY = "n/a: the memory size is unknown; give --memory"
NOT_LAMBDA = ("n/a: Lambda serves one request per instance, so per-instance concurrency above 1 has no "
              "Lambda price")


def replay_cost(
    config: ReplayConfig,
    throttled: np.ndarray,
    on_provisioned: np.ndarray,
    held_ms: np.ndarray,
    provisioned_s: float,
    catalog: PriceCatalog,
    *,
    month_of_s: float | None = None,
) -> tuple[CostBreakdown | None, str | None]:
    """The cost of a replay's jobs, or ``None`` and why.

    Args:
        config: The replayed configuration (memory, region, architecture).
        throttled: Per job, whether it was rejected (not billed).
        on_provisioned: Per job, whether a provisioned instance served it.
        held_ms: Per job, the time its instance spent on it (init if cold, then service).
        provisioned_s: Provisioned instance-seconds over the replay.
        catalog: The prices of the command's workspace.
        month_of_s: Price a month instead, taking the jobs and ``provisioned_s`` as what this
            many seconds hold (a replay's horizon); ``None``: price the jobs as they are.

    Returns:
        ``(cost, None)``, or ``(None, reason)`` when the configuration has no Lambda price.

    Raises:
        UsageError: ``month_of_s`` is not a positive number of seconds.
    """
    why = _unpriced(config)
    if why is not None or config.memory_mb is None:
        return None, why
    from advisor.pricing import CostBreakdown, lambda_records_cost, provisioned_cost

    served = ~throttled
    billed = aws_lambda.billed_ms(held_ms[served])
    on_prov = on_provisioned[served]
    memory, region, arch = config.memory_mb, config.region, config.arch
    if month_of_s is None:
        cost = lambda_records_cost(billed, memory, catalog=catalog, region=region, arch=arch, on_provisioned=on_prov)
        hours = provisioned_s / SECONDS_PER_HOUR
    else:
        cost, scale = _month(billed, on_prov, memory, month_of_s, region, arch, catalog)
        hours = provisioned_s * float(scale) / SECONDS_PER_HOUR
    if provisioned_s > 0:
        allocation = provisioned_cost(1, memory, hours, catalog=catalog, region=region, arch=arch)
        cost = cost + CostBreakdown.of(provisioned=allocation)
    return cost, None


def _month(billed: np.ndarray, on_prov: np.ndarray, memory: int, period_s: float, region: str, arch: str,
           catalog: PriceCatalog) -> tuple[CostBreakdown, Decimal]:
    """The month of the jobs billed ``billed`` ms over ``period_s`` (allocation apart), and the scale."""
    if not period_s > 0:
        raise UsageError(f"a month cannot be projected from a period of {period_s!r} s.",
                         hint="Give traffic that spans some time (two requests at different times or more).")
    from advisor.pricing import CostBreakdown, gb_seconds, lambda_month_cost, lambda_records_cost

    scale = Decimal(aws_lambda.HOURS_PER_MONTH * SECONDS_PER_HOUR) / Decimal(repr(float(period_s)))
    month = lambda_month_cost(gb_seconds(billed[~on_prov], memory) * scale, int(billed.size) * scale,
                              catalog=catalog, region=region, arch=arch)
    if on_prov.any():
        on_instances = lambda_records_cost(billed[on_prov], memory, catalog=catalog, region=region, arch=arch,
                                           on_provisioned=True)
        month = month + CostBreakdown.of(compute=on_instances.compute_usd * scale)
    return month, scale


def _unpriced(config: ReplayConfig) -> str | None:
    """Why ``config`` has no Lambda price, or ``None`` when it has one."""
    if config.memory_mb is None:
        return NO_MEMORY
    if config.per_instance_concurrency > 1:
        return NOT_LAMBDA
    return None
