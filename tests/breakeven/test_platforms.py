"""Every built-in platform model passes the contract suite."""

from __future__ import annotations

import pytest

from advisor.breakeven import CloudRunModel, DedicatedModel, LambdaModel, ServerlessGpuModel
from advisor.pricing import PriceCatalog

from .platform_suite import MakeModel, PlatformSuite


class TestLambda(PlatformSuite):
    @pytest.fixture
    def make_model(self, catalog: PriceCatalog) -> MakeModel:
        return lambda: LambdaModel(catalog, memory_mb=1024)


class TestLambdaProvisioned(PlatformSuite):
    @pytest.fixture
    def make_model(self, catalog: PriceCatalog) -> MakeModel:
        return lambda: LambdaModel(catalog, memory_mb=2048, arch="arm64", provisioned="auto")


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
