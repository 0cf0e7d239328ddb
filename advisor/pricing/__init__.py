"""Prices and costs: dated, sourced catalogs and an exact cost engine.

Money is :class:`decimal.Decimal` dollars, exact (no float ever touches a sum). Every function
that prices something takes the :class:`PriceCatalog` of the command's workspace.

The names are loaded on first use: the cost engine needs numpy and pandas, which commands
that only locate their workspace (the bulk log import) never import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._lazy import lazy_getattr

if TYPE_CHECKING:  # what the names are, for type checkers; they are loaded by __getattr__
    # ruff: noqa: F401 - imported for type checkers only
    from advisor.pricing._base import CostBreakdown
    from advisor.pricing._catalog import PriceCatalog
    from advisor.pricing.cloud_run import cloud_run_cost
    from advisor.pricing.instances import instance_cost
    from advisor.pricing.lambda_ import billed_ms, gb_seconds, lambda_month_cost, lambda_records_cost, provisioned_cost
    from advisor.pricing.records import records_cost
    from advisor.pricing.serverless_gpu import serverless_gpu_cost

_EXPORTS = {
    "CostBreakdown": "advisor.pricing._base",
    "PriceCatalog": "advisor.pricing._catalog",
    "billed_ms": "advisor.pricing.lambda_",
    "cloud_run_cost": "advisor.pricing.cloud_run",
    "gb_seconds": "advisor.pricing.lambda_",
    "instance_cost": "advisor.pricing.instances",
    "lambda_month_cost": "advisor.pricing.lambda_",
    "lambda_records_cost": "advisor.pricing.lambda_",
    "provisioned_cost": "advisor.pricing.lambda_",
    "records_cost": "advisor.pricing.records",
    "serverless_gpu_cost": "advisor.pricing.serverless_gpu",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the names above, loaded lazily

__getattr__ = lazy_getattr(__name__, _EXPORTS)
