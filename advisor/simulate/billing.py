"""What a replay costs: its simulated invocations priced by the one cost function of the pricing engine.

The replay is priced as Lambda bills today (:mod:`advisor.platform.aws_lambda`): every job the
pool served is one invocation (a batch is one invocation), billed for the time it held its
instance (init when it was a cold start, then its service; never time spent waiting in a
queue or for a batch to fill), rounded up as Lambda rounds; plus the request charge, the
provisioned rate for jobs served on provisioned instances, and the allocation charge for the
provisioned instance-seconds. :func:`advisor.pricing.lambda_records_cost` prices them, the same
function ``advisor analyze`` prices stored invocations with, so both give the same figure for
the same invocations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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
) -> tuple[CostBreakdown | None, str | None]:
    """The cost of a replay's jobs, or ``None`` and why.

    Args:
        config: The replayed configuration (memory, region, architecture).
        throttled: Per job, whether it was rejected (not billed).
        on_provisioned: Per job, whether a provisioned instance served it.
        held_ms: Per job, the time its instance spent on it (init if cold, then service).
        provisioned_s: Provisioned instance-seconds over the replay.
        catalog: The prices of the command's workspace.

    Returns:
        ``(cost, None)``, or ``(None, reason)`` when the configuration has no Lambda price.
    """
    if config.memory_mb is None:
        return None, NO_MEMORY
    if config.per_instance_concurrency > 1:
        return None, NOT_LAMBDA
    from advisor.pricing import CostBreakdown, lambda_records_cost, provisioned_cost

    served = ~throttled
    billed = aws_lambda.billed_ms(held_ms[served])
    cost = lambda_records_cost(billed, config.memory_mb, catalog=catalog, region=config.region,
                               arch=config.arch, on_provisioned=on_provisioned[served])
    if provisioned_s > 0:
        allocation = provisioned_cost(1, config.memory_mb, provisioned_s / SECONDS_PER_HOUR,
                                      catalog=catalog, region=config.region, arch=config.arch)
        cost = cost + CostBreakdown.of(provisioned=allocation)
    return cost, None
