"""Fixtures of the break-even tests: the bundled prices, a real trace, a synthetic steady one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from advisor.breakeven import GpuTimes, Service
from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import Trace, read_trace_file

REPO = Path(__file__).resolve().parents[2]
#: 199 real invocations of the Azure Functions 2021 trace (bundled, see traces/NOTICE).
AZURE_2021 = REPO / "traces" / "azure2021-200.csv"
GPU_TABLE = "1:40,8:95,32:260"


@pytest.fixture(scope="session")
def catalog() -> PriceCatalog:
    return PriceCatalog.bundled()


@pytest.fixture(scope="session")
def azure_trace() -> Trace:
    """Real arrivals and durations (no memory size: the models are given one)."""
    return read_trace_file(AZURE_2021, together=True)


@pytest.fixture
def gpu_service() -> Service:
    return Service(gpu=GpuTimes.parse(GPU_TABLE), batch=8, batch_wait_ms=50.0)


def steady_trace(requests: int, *, every_s: float = 1.0, duration_ms: float = 100.0, memory_mb: int = 1024) -> Trace:
    """``requests`` arrivals ``every_s`` apart, each lasting ``duration_ms``, measured at ``memory_mb``."""
    return Trace(name="steady", arrivals_s=np.arange(requests, dtype=np.float64) * every_s,
                 service_ms=np.full(requests, duration_ms), memory_mb=memory_mb)
