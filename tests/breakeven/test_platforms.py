"""Every built-in platform model passes the contract suite."""

from __future__ import annotations

import pytest

from advisor.breakeven import CloudRunModel, DedicatedModel, LambdaModel, ServerlessGpuModel
from advisor.errors import UsageError
from advisor.pricing import PriceCatalog
from advisor.simulate.pings import Pings
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.tune.keepwarm import KeepWarm

from .platform_suite import MakeModel, PlatformSuite


class TestLambda(PlatformSuite):
    @pytest.fixture
    def make_model(self, catalog: PriceCatalog) -> MakeModel:
        return lambda: LambdaModel(catalog, memory_mb=1024)


class TestLambdaProvisioned(PlatformSuite):
    @pytest.fixture
    def make_model(self, catalog: PriceCatalog) -> MakeModel:
        return lambda: LambdaModel(catalog, memory_mb=2048, arch="arm64", provisioned="auto")


@pytest.mark.parametrize("keep_warm", [KeepWarm.of(pings=Pings(240.0, 2)),
                                       KeepWarm.of(schedule=ProvisionedSchedule.parse("08:00-20:00=2,else=1"))])
class TestLambdaKeepWarm(PlatformSuite):
    @pytest.fixture
    def make_model(self, catalog: PriceCatalog, keep_warm: KeepWarm) -> MakeModel:
        return lambda: LambdaModel(catalog, memory_mb=1024, keep_warm=keep_warm)


def test_lambda_takes_either_provisioned_or_a_keep_warm_setting(catalog: PriceCatalog) -> None:
    with pytest.raises(UsageError, match="two settings"):
        LambdaModel(catalog, memory_mb=1024, provisioned=2, keep_warm=KeepWarm.of(pings=Pings(240.0)))
    assert LambdaModel(catalog, memory_mb=1024, keep_warm=KeepWarm("none")).name == "lambda 1,024 MB"


@pytest.mark.parametrize("provider_gpu", [("modal", "T4"), ("runpod", "L4-24GB")])
class TestServerlessGpu(PlatformSuite):
    needs_gpu = True

    @pytest.fixture
    def make_model(self, catalog: PriceCatalog, provider_gpu: tuple[str, str]) -> MakeModel:
        return lambda: ServerlessGpuModel(catalog, *provider_gpu)


@pytest.mark.parametrize("instance_type", ["g5.xlarge", "ml.g5.xlarge"])
class TestDedicated(PlatformSuite):
    needs_gpu = True

    @pytest.fixture
    def make_model(self, catalog: PriceCatalog, instance_type: str) -> MakeModel:
        return lambda: DedicatedModel(catalog, instance_type)


@pytest.mark.parametrize("billing", ["request_based", "instance_based"])
class TestCloudRunCpu(PlatformSuite):
    @pytest.fixture
    def make_model(self, catalog: PriceCatalog, billing: str) -> MakeModel:
        return lambda: CloudRunModel(catalog, billing=billing, concurrency=4)


class TestCloudRunL4(PlatformSuite):
    needs_gpu = True

    @pytest.fixture
    def make_model(self, catalog: PriceCatalog) -> MakeModel:
        return lambda: CloudRunModel(catalog, gpu="L4")
