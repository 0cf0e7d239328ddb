"""Prices and costs: dated, sourced catalogs and an exact cost engine.

Money is :class:`decimal.Decimal` dollars, exact (no float ever touches a sum).
"""

from __future__ import annotations

from advisor.pricing._base import CostBreakdown
from advisor.pricing.cloud_run import cloud_run_cost
from advisor.pricing.instances import instance_cost
from advisor.pricing.lambda_ import (
    billed_ms,
    gb_seconds,
    lambda_month_cost,
    lambda_records_cost,
    provisioned_cost,
)
from advisor.pricing.records import records_cost
from advisor.pricing.serverless_gpu import serverless_gpu_cost

__all__ = [
    "CostBreakdown",
    "billed_ms",
    "cloud_run_cost",
    "instance_cost",
    "gb_seconds",
    "lambda_month_cost",
    "lambda_records_cost",
    "provisioned_cost",
    "records_cost",
    "serverless_gpu_cost",
]
