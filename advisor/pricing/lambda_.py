"""AWS Lambda cost: invocation records, a month with tiers and free tier, provisioned concurrency.

Duration is billed per GB-second of configured memory: billed ms x MB / 1,024,000.
Billed ms are rounded as :func:`advisor.platform.aws_lambda.billed_ms` says (1 ms, or 100 ms
for invocations that ended before 2020-12-01). Sums are taken over integer MB-ms with numpy
and converted to Decimal once, so pricing millions of records is fast and exact. Every
function takes the :class:`~advisor.pricing.PriceCatalog` of the command's workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pandas as pd

from advisor.errors import NotFoundError, UsageError
from advisor.platform import aws_lambda
from advisor.platform.aws_lambda import ARCHITECTURES, DEFAULT_ARCH, DEFAULT_REGION
from advisor.pricing._base import CostBreakdown
from advisor.pricing._catalog import Catalog, Family, Figure, Node, PriceCatalog
from advisor.pricing.money import ZERO, add, div, mul, to_decimal
from advisor.units import MB_MS_PER_GB_S, MB_PER_GB, REQUESTS_PER_MILLION, SECONDS_PER_HOUR

#: Invocations that ended before this instant were billed in 100 ms steps.
ONE_MS_BILLING_SINCE: Final = pd.Timestamp(aws_lambda.ONE_MS_BILLING_SINCE)
#: Largest MB-ms product summed in one int64 block without overflow risk.
_INT64_SAFE: Final = 2**62


@dataclass(frozen=True)
class Tier:
    """One duration tier: the price applies to GB-s up to ``up_to_gb_s`` (``None``: no bound)."""

    up_to_gb_s: Decimal | None
    price: Figure


@dataclass(frozen=True)
class ArchPrices:
    """Prices of one architecture in one region (per GB-second)."""

    tiers: tuple[Tier, ...]
    provisioned: Figure | None
    provisioned_duration: Figure | None

    @property
    def duration(self) -> Figure:
        """The first-tier duration price."""
        return self.tiers[0].price


@dataclass(frozen=True)
class RegionPrices:
    """Lambda prices in one region."""

    requests: Figure  # USD per 1M requests
    ephemeral_storage: Figure | None
    arches: Mapping[str, ArchPrices]


def _parse_arch(node: Node) -> ArchPrices:
    tiers: list[Tier] = []
    previous = ZERO
    for element in node.req("duration_tiers").elements():
        bound_node = element.get("up_to_gb_s", required=False)
        bound = bound_node.decimal() if bound_node else None
        if tiers and tiers[-1].up_to_gb_s is None:
            raise element.fail("no tier may follow the unbounded tier")
        if bound is not None and bound <= previous:
            raise element.child("up_to_gb_s", bound).fail("tier bounds must increase")
        tiers.append(Tier(bound, element.req("price").figure("USD/GB-s")))
        previous = bound if bound is not None else previous
    if not tiers or tiers[-1].up_to_gb_s is not None:
        raise node.child("duration_tiers", None).fail("the last tier must be unbounded (up_to_gb_s: null)")
    return ArchPrices(
        tiers=tuple(tiers),
        provisioned=node.optional_figure("provisioned", "USD/GB-s"),
        provisioned_duration=node.optional_figure("provisioned_duration", "USD/GB-s"),
    )


def _parse_region(node: Node) -> RegionPrices:
    arches = {arch: _parse_arch(node.req(arch)) for arch in ARCHITECTURES}
    return RegionPrices(
        requests=node.req("requests").figure("USD/1M-requests"),
        ephemeral_storage=node.optional_figure("ephemeral_storage", "USD/GB-s"),
        arches=arches,
    )


def _parse_settings(node: Node) -> dict[str, Figure]:
    return {key: child.figure() for key, child in node.items()}


REQUIRED_SETTINGS: Final = ("free_tier_requests", "free_tier_gb_seconds")
FAMILY: Final = Family("aws-lambda", "regions", _parse_region, _parse_settings, required_settings=REQUIRED_SETTINGS)


def lambda_catalog(catalog: PriceCatalog) -> Catalog[RegionPrices]:
    """The Lambda catalog of ``catalog`` (bundled merged with the workspace's overrides)."""
    return catalog.load(FAMILY)


def prices(
    catalog: PriceCatalog, region: str = DEFAULT_REGION, arch: str = DEFAULT_ARCH
) -> tuple[RegionPrices, ArchPrices]:
    """Prices for ``region`` and ``arch``; :class:`NotFoundError`/:class:`UsageError` otherwise."""
    aws_lambda.check_architecture(arch, option="architecture")
    found = lambda_catalog(catalog).entry(region, what="Lambda region")
    return found, found.arches[arch]


def billed_ms(duration_ms: Any, end_time: Any = None) -> np.ndarray:
    """Billed milliseconds of each duration (:func:`advisor.platform.aws_lambda.billed_ms`).

    Args:
        duration_ms: Durations (scalar, list, numpy or pandas); already-billed values are unchanged.
        end_time: Optional end times (scalar or array, naive = UTC) choosing the granularity.

    Returns:
        An int64 array of billed milliseconds.
    """
    values = _as_float_array(duration_ms, "billed duration")
    legacy = False if end_time is None else _legacy_mask(end_time, values.shape)
    return aws_lambda.billed_ms(values, legacy)


def _legacy_mask(end_time: Any, shape: tuple[int, ...]) -> np.ndarray:
    """True where an invocation ended before 1 ms billing began (naive times are UTC)."""
    cutoff_naive = np.datetime64(ONE_MS_BILLING_SINCE.tz_localize(None))
    if isinstance(end_time, np.ndarray) and end_time.dtype.kind == "M":
        mask = np.asarray(end_time < cutoff_naive)
    elif isinstance(end_time, (pd.Series, pd.Index)) and pd.api.types.is_datetime64_any_dtype(end_time.dtype):
        aware = getattr(end_time.dtype, "tz", None) is not None
        mask = np.asarray(end_time < (ONE_MS_BILLING_SINCE if aware else cutoff_naive), dtype=bool)
    else:
        raw = list(end_time) if isinstance(end_time, (list, tuple, pd.Series, pd.Index, np.ndarray)) else [end_time]
        try:
            ends = pd.to_datetime(pd.Series(raw), utc=True, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise UsageError(f"end_time values must be timestamps: {exc}.") from None
        mask = np.asarray(ends < ONE_MS_BILLING_SINCE, dtype=bool)
    if mask.size == 1:
        return np.broadcast_to(mask.reshape(()), shape)
    if mask.size != int(np.prod(shape)):
        raise UsageError(f"end_time has {mask.size} values for {int(np.prod(shape))} invocations.")
    return mask.reshape(shape)


def lambda_records_cost(
    billed_duration_ms: Any,
    memory_mb: Any,
    *,
    catalog: PriceCatalog,
    region: str = DEFAULT_REGION,
    arch: str = DEFAULT_ARCH,
    on_provisioned: Any = None,
    end_time: Any = None,
) -> CostBreakdown:
    """Cost of a set of invocations, priced at the first-tier rate without free tier.

    Args:
        billed_duration_ms: Billed duration of each invocation as logged (never add init);
            fractional values are rounded up to the billing granularity.
        memory_mb: Configured memory, per record or one value for all.
        catalog: The prices of the command's workspace.
        region: AWS region.
        arch: ``x86_64`` or ``arm64``.
        on_provisioned: Optional boolean mask of the invocations served on provisioned
            instances; their duration is priced at the provisioned duration rate.
        end_time: Optional end times; invocations before 2020-12-01 bill in 100 ms steps.

    Returns:
        compute_usd (all duration), requests_usd; provisioned_usd is zero (see
        :func:`provisioned_cost` for the allocation charge).
    """
    region_prices, arch_prices = prices(catalog, region, arch)
    ms = billed_ms(billed_duration_ms, end_time)
    memory = _as_int_array(memory_mb, "memory_mb")
    if memory.size != 1 and memory.shape != ms.shape:
        raise UsageError(f"memory_mb has {memory.size} values for {ms.size} invocations.")
    mb_ms = ms * memory if memory.size != 1 else ms * int(memory.ravel()[0])
    if on_provisioned is None:
        on_demand, provisioned = _exact_sum(mb_ms), 0
    else:
        mask = np.asarray(on_provisioned, dtype=bool)
        if mask.size not in (1, mb_ms.size):
            raise UsageError(f"on_provisioned has {mask.size} values for {mb_ms.size} invocations.")
        mask = np.broadcast_to(mask.reshape(-1) if mask.size > 1 else mask, mb_ms.shape)
        provisioned = _exact_sum(mb_ms[mask])
        on_demand = _exact_sum(mb_ms) - provisioned
    compute = _mb_ms_cost(on_demand, arch_prices.duration.value)
    if provisioned:
        rate = _require(arch_prices.provisioned_duration, region, arch, "provisioned duration")
        compute = add(compute, _mb_ms_cost(provisioned, rate.value))
    return CostBreakdown.of(compute=compute, requests=requests_cost(int(ms.size), region_prices))


def lambda_month_cost(
    gb_seconds: Any,
    requests: Any,
    *,
    catalog: PriceCatalog,
    region: str = DEFAULT_REGION,
    arch: str = DEFAULT_ARCH,
    free_tier: bool = False,
) -> CostBreakdown:
    """On-demand cost of a month's usage with the monthly tiers, optionally less the free tier.

    Args:
        gb_seconds: On-demand GB-seconds in the month.
        requests: Requests in the month.
        catalog: The prices of the command's workspace.
        region: AWS region.
        arch: ``x86_64`` or ``arm64``.
        free_tier: Subtract the free tier (1M requests, 400,000 GB-s) first.
    """
    region_prices, arch_prices = prices(catalog, region, arch)
    gb_s = _non_negative(gb_seconds, "gb_seconds")
    count = _non_negative(requests, "requests")
    if free_tier:
        settings = lambda_catalog(catalog).settings
        gb_s = max(ZERO, gb_s - settings["free_tier_gb_seconds"].value)
        count = max(ZERO, count - settings["free_tier_requests"].value)
    return CostBreakdown.of(compute=tiered_cost(gb_s, arch_prices.tiers), requests=requests_cost(count, region_prices))


def provisioned_cost(
    instances: Any,
    memory_mb: Any,
    hours: Any,
    *,
    catalog: PriceCatalog,
    region: str = DEFAULT_REGION,
    arch: str = DEFAULT_ARCH,
) -> Decimal:
    """Charge for keeping ``instances`` x ``memory_mb`` of provisioned concurrency for ``hours``.

    The time is rounded up to Lambda's billing increment for it (5 minutes). No free tier applies.
    """
    _, arch_prices = prices(catalog, region, arch)
    rate = _require(arch_prices.provisioned, region, arch, "provisioned concurrency")
    count = _non_negative(instances, "instances")
    memory = _non_negative(memory_mb, "memory_mb")
    seconds = mul(_non_negative(hours, "hours"), SECONDS_PER_HOUR)
    increment = aws_lambda.PROVISIONED_BILLING_INCREMENT_S
    if seconds % increment:
        seconds = (seconds // increment + 1) * increment
    return div(mul(count, memory, seconds, rate.value), MB_PER_GB)


def tiered_cost(gb_seconds: Decimal, tiers: tuple[Tier, ...]) -> Decimal:
    """Price ``gb_seconds`` piecewise over ``tiers`` (each tier's rate for the GB-s inside it)."""
    total, lower = ZERO, ZERO
    for tier in tiers:
        upper = tier.up_to_gb_s
        inside = (min(gb_seconds, upper) if upper is not None else gb_seconds) - lower
        if inside > 0:
            total = add(total, mul(inside, tier.price.value))
        if upper is None or gb_seconds <= upper:
            break
        lower = upper
    return total


def requests_cost(count: int | Decimal, region_prices: RegionPrices) -> Decimal:
    """Request charge for ``count`` requests."""
    return div(mul(count, region_prices.requests.value), REQUESTS_PER_MILLION)


def gb_seconds(billed_duration_ms: Any, memory_mb: Any, *, end_time: Any = None) -> Decimal:
    """Exact GB-seconds of a set of invocations."""
    ms = billed_ms(billed_duration_ms, end_time)
    memory = _as_int_array(memory_mb, "memory_mb")
    return div(_exact_sum(ms * memory), MB_MS_PER_GB_S)


def _mb_ms_cost(mb_ms: int, rate: Decimal) -> Decimal:
    return div(mul(mb_ms, rate), MB_MS_PER_GB_S)


def _require(figure: Figure | None, region: str, arch: str, what: str) -> Figure:
    if figure is None:
        raise NotFoundError(
            f"the Lambda price catalog has no {what} price for {arch} in {region}.",
            hint="Run `advisor pricing refresh --region " + region + "` to fetch it.",
        )
    return figure


def _exact_sum(values: np.ndarray) -> int:
    """Sum int64 values exactly (blocks small enough never to overflow)."""
    if values.size == 0:
        return 0
    largest = int(np.abs(values).max())
    if largest == 0:
        return 0
    block = max(1, _INT64_SAFE // largest)
    flat = values.ravel()
    return sum(int(flat[i : i + block].sum()) for i in range(0, flat.size, block))


def _as_float_array(values: Any, what: str) -> np.ndarray:
    array = _to_numpy(values, what).astype(np.float64)
    if array.size and (not np.isfinite(array).all() or (array < 0).any()):
        bad = int((~np.isfinite(array) | (array < 0)).sum())
        raise UsageError(f"{bad} {what} value(s) are missing, negative or not finite.")
    return array


def _as_int_array(values: Any, what: str) -> np.ndarray:
    array = _as_float_array(values, what)
    if (array != np.floor(array)).any():
        raise UsageError(f"{what} must be whole numbers.")
    if array.size and array.max() > _INT64_SAFE**0.5:
        raise UsageError(f"{what} value {array.max():.0f} is out of range.")
    return array.astype(np.int64)


def _to_numpy(values: Any, what: str) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        series = pd.Series(values)
        if series.isna().any():
            raise UsageError(f"{int(series.isna().sum())} {what} value(s) are missing.")
        return series.to_numpy(dtype=np.float64)
    return np.atleast_1d(np.asarray(values, dtype=np.float64))


def _non_negative(value: Any, what: str) -> Decimal:
    try:
        number = to_decimal(value, what=what)
    except ValueError as exc:
        raise UsageError(str(exc) + ".") from None
    if number < 0:
        raise UsageError(f"{what} must not be negative, got {value}.")
    return number

