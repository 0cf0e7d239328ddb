"""Dedicated instances and serverless GPU providers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor.errors import NotFoundError, UsageError
from advisor.pricing import instance_cost, serverless_gpu_cost
from advisor.pricing.money import round_cents
from advisor.pricing.instances import instance
from advisor.pricing.serverless_gpu import get_provider

from advisor.pricing import PriceCatalog

CATALOG = PriceCatalog.bundled()


def test_g4dn_xlarge_for_730_hours_in_us_east_1_costs_383_98() -> None:
    assert instance_cost("g4dn.xlarge", 730, region="us-east-1", catalog=CATALOG) == Decimal("383.98")  # 730 x $0.526


def test_a_fleet_costs_instances_times_hours_times_price() -> None:
    assert instance_cost("g5.xlarge", 24, count=3, catalog=CATALOG) == Decimal("72.432")  # 3 x 24 x $1.006


def test_instances_carry_their_accelerator() -> None:
    spec = instance("g6e.xlarge", catalog=CATALOG)
    assert (spec.gpu, spec.gpus, spec.gpu_memory_gib, spec.vcpus) == ("NVIDIA L40S", 1, 48, 4)


def test_sagemaker_instances_come_from_their_own_catalog() -> None:
    assert instance_cost("ml.g5.xlarge", 10, catalog=CATALOG) == Decimal("14.08")


def test_unknown_instance_names_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="no instance type 'g9.huge'.*g4dn.xlarge"):
        instance_cost("g9.huge", 1, catalog=CATALOG)


def test_serverless_gpu_rounds_each_session_up_to_the_increment() -> None:
    # Modal bills per second: sessions of 0.5 s and 2.2 s bill 1 s + 3 s.
    assert serverless_gpu_cost("modal", "H100", busy_seconds=[0.5, 2.2], catalog=CATALOG) == Decimal("0.004388")  # 4 x 0.001097


def test_serverless_gpu_bills_keep_warm_idle_and_cold_start_where_the_provider_does() -> None:
    modal = get_provider("modal", catalog=CATALOG)
    assert modal.bills_idle and modal.bills_cold_start and modal.default_keep_warm_s == 60
    cost = serverless_gpu_cost("modal", "L4", busy_seconds=100, idle_seconds=60, cold_start_seconds=20, catalog=CATALOG)
    assert cost == Decimal("0.03996")  # 180 s x 0.000222


def test_runpod_active_workers_are_cheaper_than_flex() -> None:
    flex = serverless_gpu_cost("runpod", "A100-80GB", busy_seconds=3600, catalog=CATALOG)
    active = serverless_gpu_cost("runpod", "A100-80GB-active", busy_seconds=3600, catalog=CATALOG)
    assert (flex, active) == (Decimal("2.736"), Decimal("2.16"))
    assert round_cents(flex) == Decimal("2.74")


def test_unknown_gpu_or_provider_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="modal has no GPU 'B9000'.*H100"):
        serverless_gpu_cost("modal", "B9000", busy_seconds=1, catalog=CATALOG)
    with pytest.raises(NotFoundError, match="no serverless GPU provider 'acme'"):
        serverless_gpu_cost("acme", "H100", busy_seconds=1, catalog=CATALOG)
