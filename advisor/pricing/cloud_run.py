"""Google Cloud Run: request-based and instance-based billing, L4 GPU."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from advisor.errors import UsageError
from advisor.platform.cloud_run import BILLING_MODES, DEFAULT_BILLING_MODE, DEFAULT_REGION
from advisor.pricing._catalog import Catalog, Family, Figure, Node, PriceCatalog
from advisor.pricing.money import add, div, mul, to_decimal
from advisor.units import REQUESTS_PER_MILLION


@dataclass(frozen=True)
class RegionPrices:
    """Cloud Run prices in one region."""

    cpu: Mapping[str, Figure]  # billing mode -> USD/vCPU-s
    memory: Mapping[str, Figure]  # billing mode -> USD/GiB-s
    requests: Figure  # request-based only
    gpus: Mapping[str, Figure]


def _parse_region(node: Node) -> RegionPrices:
    modes = {mode: node.req(mode) for mode in BILLING_MODES}
    return RegionPrices(
        cpu={mode: m.req("cpu").figure("USD/vCPU-s") for mode, m in modes.items()},
        memory={mode: m.req("memory").figure("USD/GiB-s") for mode, m in modes.items()},
        requests=modes["request_based"].req("requests").figure("USD/1M-requests"),
        gpus={name: child.figure("USD/GPU-s") for name, child in node.req("gpu").items()},
    )


FAMILY: Final = Family("gcp-cloud-run", "regions", _parse_region)


def cloud_run_catalog(catalog: PriceCatalog) -> Catalog[RegionPrices]:
    """The Cloud Run catalog of ``catalog``."""
    return catalog.load(FAMILY)


def cloud_run_cost(
    *,
    catalog: PriceCatalog,
    vcpus: Any,
    memory_gib: Any,
    billable_seconds: Any,
    requests: Any = 0,
    mode: str = DEFAULT_BILLING_MODE,
    gpu: str | None = None,
    region: str = DEFAULT_REGION,
) -> Decimal:
    """Cost of Cloud Run instance time (free tier not applied).

    Args:
        catalog: The prices of the command's workspace.
        vcpus: vCPUs per instance.
        memory_gib: Memory per instance.
        billable_seconds: Instance-seconds billed (request-based: while handling requests;
            instance-based: the whole instance lifetime).
        requests: Requests (charged only with request-based billing).
        mode: ``request_based`` or ``instance_based``.
        gpu: Optional GPU name (``L4``), one per instance, billed for the same seconds.
        region: Cloud Run region.
    """
    if mode not in BILLING_MODES:
        raise UsageError(f"unknown Cloud Run billing mode '{mode}'.", hint=f"Use one of: {', '.join(BILLING_MODES)}.")
    prices = cloud_run_catalog(catalog).entry(region, what="Cloud Run region")
    seconds = to_decimal(billable_seconds, what="billable_seconds")
    total = add(
        mul(to_decimal(vcpus, what="vcpus"), seconds, prices.cpu[mode].value),
        mul(to_decimal(memory_gib, what="memory_gib"), seconds, prices.memory[mode].value),
    )
    if mode == "request_based":
        total = add(total, div(mul(to_decimal(requests, what="requests"), prices.requests.value), REQUESTS_PER_MILLION))
    if gpu is not None:
        if gpu not in prices.gpus:
            raise UsageError(f"no Cloud Run GPU '{gpu}'.", hint=f"Known: {', '.join(prices.gpus)}.")
        total = add(total, mul(seconds, prices.gpus[gpu].value))
    return total
