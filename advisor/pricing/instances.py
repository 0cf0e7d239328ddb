"""Dedicated instances: EC2 GPU/inference instances and SageMaker real-time endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from advisor.errors import NotFoundError, UsageError
from advisor.platform.dedicated import DEFAULT_REGION, SAGEMAKER_PREFIX
from advisor.pricing._catalog import Catalog, Family, Figure, Node, PriceCatalog
from advisor.pricing.money import mul, to_decimal


@dataclass(frozen=True)
class InstanceType:
    """One instance type with its accelerator and on-demand hourly price."""

    name: str
    gpu: str
    gpus: int
    gpu_memory_gib: int
    vcpus: int
    memory_gib: Decimal
    hourly: Figure


def _parse_instance(name: str, node: Node) -> InstanceType:
    return InstanceType(
        name=name,
        gpu=node.req("gpu").text(),
        gpus=node.req("gpus").integer(minimum=1),
        gpu_memory_gib=node.req("gpu_memory_gib").integer(),
        vcpus=node.req("vcpus").integer(minimum=1),
        memory_gib=node.req("memory_gib").decimal(),
        hourly=node.req("hourly").figure("USD/hour"),
    )


def _parse_region(node: Node) -> dict[str, InstanceType]:
    return {name: _parse_instance(name, child) for name, child in node.items()}


EC2: Final = Family("aws-ec2", "regions", _parse_region, override_depth=3)
SAGEMAKER: Final = Family("aws-sagemaker", "regions", _parse_region, override_depth=3)


def instance_catalog(catalog: PriceCatalog, instance_type: str = "") -> Catalog[dict[str, InstanceType]]:
    """The EC2 catalog of ``catalog``, or SageMaker's for ``ml.*`` instance types."""
    return catalog.load(SAGEMAKER if instance_type.startswith(SAGEMAKER_PREFIX) else EC2)


def instance(instance_type: str, *, catalog: PriceCatalog, region: str = DEFAULT_REGION) -> InstanceType:
    """The catalog entry of ``instance_type`` in ``region``."""
    types = instance_catalog(catalog, instance_type).entry(region, what="region")
    try:
        return types[instance_type]
    except KeyError:
        raise NotFoundError(
            f"no instance type '{instance_type}' in {region} in the price catalog.",
            hint=f"Known: {', '.join(sorted(types))}; or run `advisor pricing refresh`.",
        ) from None


def instance_cost(
    instance_type: str, hours: Any, *, catalog: PriceCatalog, region: str = DEFAULT_REGION, count: int = 1
) -> Decimal:
    """On-demand cost of ``count`` instances of ``instance_type`` for ``hours`` each.

    Args:
        instance_type: e.g. ``g4dn.xlarge`` or ``ml.g5.xlarge``.
        hours: Hours each instance runs.
        catalog: The prices of the command's workspace.
        region: AWS region.
        count: Number of instances in the fleet.
    """
    try:
        span = to_decimal(hours, what="hours")
    except ValueError as exc:
        raise UsageError(f"{exc}.") from None
    if span < 0 or count < 0:
        raise UsageError(f"hours and count must not be negative (got {hours}, {count}).")
    return mul(instance(instance_type, catalog=catalog, region=region).hourly.value, span, count)
