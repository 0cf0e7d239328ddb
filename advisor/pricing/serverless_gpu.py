"""Serverless GPU providers (Modal, Replicate, RunPod, Beam): busy, idle and cold-start seconds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import numpy as np

from advisor.errors import UsageError
from advisor.pricing._catalog import Catalog, Family, Figure, Node, PriceCatalog
from advisor.pricing.money import add, mul


@dataclass(frozen=True)
class Provider:
    """How one provider bills and what each GPU costs per second."""

    name: str
    increment_s: Decimal
    bills_idle: bool
    bills_cold_start: bool
    default_keep_warm_s: Decimal
    gpus: Mapping[str, Figure]


def _parse_provider(node: Node) -> Provider:
    billing = node.req("billing")
    gpus = {name: child.figure("USD/GPU-s") for name, child in node.req("gpus").items()}
    if not gpus:
        raise node.child("gpus", None).fail("lists no GPU")
    increment = billing.req("increment_s").figure("s").value
    if increment <= 0:
        raise billing.child("increment_s", increment).fail("must be positive")
    return Provider(
        name=node.path.rsplit(".", 1)[-1],
        increment_s=increment,
        bills_idle=billing.req("idle").boolean(),
        bills_cold_start=billing.req("cold_start").boolean(),
        default_keep_warm_s=billing.req("default_keep_warm_s").figure("s").value,
        gpus=gpus,
    )


FAMILY: Final = Family("serverless-gpu", "providers", _parse_provider)


def serverless_gpu_catalog(catalog: PriceCatalog) -> Catalog[Provider]:
    """The serverless GPU catalog of ``catalog``."""
    return catalog.load(FAMILY)


def get_provider(name: str, *, catalog: PriceCatalog) -> Provider:
    """One provider's billing rules and prices."""
    return serverless_gpu_catalog(catalog).entry(name.lower(), what="serverless GPU provider")


def billed_seconds(seconds: Any, increment: Decimal) -> Decimal:
    """Seconds billed for each session in ``seconds``, each rounded up to ``increment``, summed.

    Sessions are counted in whole increments (integer arithmetic), so the result is exact.
    """
    values = np.atleast_1d(np.asarray(seconds, dtype=np.float64))
    if values.size and (not np.isfinite(values).all() or (values < 0).any()):
        raise UsageError("seconds must be finite and not negative.")
    steps = np.ceil(values / float(increment)).astype(np.int64)
    return mul(int(steps.sum()), increment)


def serverless_gpu_cost(
    provider: str,
    gpu: str,
    *,
    catalog: PriceCatalog,
    busy_seconds: Any,
    idle_seconds: Any = 0,
    cold_start_seconds: Any = 0,
) -> Decimal:
    """Cost of GPU time on a serverless provider.

    Each argument is seconds per container session (a scalar or an array of sessions);
    each session's time is rounded up to the provider's billing increment. Idle
    (keep-warm) and cold-start seconds count only where the provider bills them.

    Args:
        provider: ``modal``, ``replicate``, ``runpod`` or ``beam``.
        gpu: GPU name as in the catalog (``H100``, ``A100-80GB``, ...).
        catalog: The prices of the command's workspace.
        busy_seconds: Seconds spent serving requests.
        idle_seconds: Seconds kept warm without work.
        cold_start_seconds: Seconds of container boot and model load.
    """
    entry = get_provider(provider, catalog=catalog)
    try:
        rate = entry.gpus[gpu]
    except KeyError:
        raise UsageError(
            f"{entry.name} has no GPU '{gpu}' in the price catalog.", hint=f"Known: {', '.join(entry.gpus)}."
        ) from None
    seconds = billed_seconds(busy_seconds, entry.increment_s)
    if entry.bills_idle:
        seconds = add(seconds, billed_seconds(idle_seconds, entry.increment_s))
    if entry.bills_cold_start:
        seconds = add(seconds, billed_seconds(cold_start_seconds, entry.increment_s))
    return mul(seconds, rate.value)
