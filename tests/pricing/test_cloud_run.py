"""Google Cloud Run: request-based and instance-based billing, L4 GPU."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor.errors import UsageError
from advisor.pricing import cloud_run_cost

from advisor.pricing import PriceCatalog

CATALOG = PriceCatalog.bundled()


def test_request_based_bills_cpu_memory_while_serving_and_each_request() -> None:
    # 1 vCPU + 2 GiB for 1000 s of request time, 1M requests: 0.024 + 0.005 + 0.40
    cost = cloud_run_cost(vcpus=1, memory_gib=2, billable_seconds=1000, requests=1_000_000, catalog=CATALOG)
    assert cost == Decimal("0.429")


def test_instance_based_bills_the_instance_lifetime_without_request_fees() -> None:
    # 4 vCPU + 16 GiB + one L4 for an hour: 4 x 3600 x 0.000018 + 16 x 3600 x 0.000002 + 3600 x 0.0001867
    cost = cloud_run_cost(vcpus=4, memory_gib=16, billable_seconds=3600, requests=10**9, mode="instance_based", gpu="L4", catalog=CATALOG)
    assert cost == Decimal("0.2592") + Decimal("0.1152") + Decimal("0.67212")


def test_unknown_mode_or_gpu_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown Cloud Run billing mode 'spot'"):
        cloud_run_cost(vcpus=1, memory_gib=1, billable_seconds=1, mode="spot", catalog=CATALOG)
    with pytest.raises(UsageError, match="no Cloud Run GPU 'H100'.*L4"):
        cloud_run_cost(vcpus=1, memory_gib=1, billable_seconds=1, gpu="H100", catalog=CATALOG)
