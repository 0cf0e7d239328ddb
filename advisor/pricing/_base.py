"""The cost breakdown every pricing function returns."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from advisor.pricing.money import ZERO, add, usd_text


@dataclass(frozen=True)
class CostBreakdown:
    """A cost in exact Decimal dollars.

    Attributes:
        compute_usd: Duration charges (on-demand, and on provisioned instances at their rate).
        requests_usd: Per-request charges.
        provisioned_usd: Charge for keeping provisioned concurrency allocated.
        total_usd: The sum of the three.
    """

    compute_usd: Decimal = ZERO
    requests_usd: Decimal = ZERO
    provisioned_usd: Decimal = ZERO
    total_usd: Decimal = ZERO

    @classmethod
    def of(cls, *, compute: Decimal = ZERO, requests: Decimal = ZERO, provisioned: Decimal = ZERO) -> CostBreakdown:
        """A breakdown whose total is the exact sum of its parts."""
        return cls(compute, requests, provisioned, add(compute, requests, provisioned))

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown.of(
            compute=add(self.compute_usd, other.compute_usd),
            requests=add(self.requests_usd, other.requests_usd),
            provisioned=add(self.provisioned_usd, other.provisioned_usd),
        )

    def to_json(self) -> dict[str, str]:
        """Exact decimal strings keyed by field name (see :func:`~advisor.pricing.money.usd_text`)."""
        return {f.name: usd_text(getattr(self, f.name)) for f in fields(self)}
