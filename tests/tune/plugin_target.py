"""A plugin target for the command-line tests: a function that follows a known duration curve.

It is fast and gives the same records every run.

Its mean duration at ``m`` MB is ``io_ms + cpu_ms / min(vcpus(m), 1)`` (a single-threaded
handler: Lambda's CPU share grows with memory up to one vCPU at 1,769 MB), each invocation
scattered by a lognormal factor drawn from a generator seeded by the seed, the size and the
invocation's number at that size, so a tuning of it gives the same result every time.
Below ``fail_below_mb`` every invocation runs out of memory, as a model too big for the size.

    advisor tune fn --target tests/tune/plugin_target.py:CurveFunction --target-option cpu_ms=900

For tests of several workers: ``worker`` prefixes its request ids, ``sleep_s`` makes each
invocation take that long in wall time, and ``barrier`` (a directory) holds the first
configuration until ``workers`` targets have reached it, so that the workers measure side by side.
"""

from __future__ import annotations

import math
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from advisor.platform import aws_lambda
from advisor.targets import Target

#: Every run's invocations start here, one second apart: records are the same every run.
EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


class CurveFunction(Target):
    def __init__(self, io_ms: float = 20.0, cpu_ms: float = 800.0, init_ms: float = 300.0, sigma: float = 0.05,
                 fail_below_mb: int = 0, seed: int = 0, function: str = "curve", worker: str = "w",
                 sleep_s: float = 0.0, barrier: str | None = None, workers: int = 2) -> None:
        self.io_ms, self.cpu_ms, self.init_ms, self.sigma = io_ms, cpu_ms, init_ms, sigma
        self.fail_below_mb, self.seed, self.function = fail_below_mb, seed, function
        self.memory_mb = aws_lambda.MIN_MEMORY_MB
        self.architecture = aws_lambda.DEFAULT_ARCH
        self._cold = True
        self._count: dict[tuple[int, str], int] = {}
        self._clock = 0
        self.worker, self.sleep_s, self._barrier, self._workers = worker, sleep_s, barrier, workers

    def configure(self, memory_mb: int, **options: Any) -> None:
        if self._barrier is not None:
            _meet(Path(self._barrier), self.worker, self._workers)
            self._barrier = None
        self.memory_mb = aws_lambda.check_memory_mb(memory_mb)
        self.architecture = options.get("architecture") or aws_lambda.DEFAULT_ARCH
        self._cold = True

    def force_cold(self) -> None:
        self._cold = True

    def mean_ms(self, memory_mb: float) -> float:
        """The true mean duration at ``memory_mb``."""
        return self.io_ms + self.cpu_ms / min(float(aws_lambda.vcpus(np.array([memory_mb]))[0]), 1.0)

    def invoke(self, payload: Any) -> dict[str, Any]:
        key = (self.memory_mb, self.architecture)
        number = self._count.get(key, 0)
        self._count[key] = number + 1
        rng = np.random.default_rng([self.seed, self.memory_mb, number])
        duration = round(self.mean_ms(self.memory_mb) * math.exp(rng.normal(0.0, self.sigma)), 2)
        init = self.init_ms if self._cold else None
        self._cold = False
        failed = self.memory_mb < self.fail_below_mb
        time.sleep(self.sleep_s)
        start = EPOCH + timedelta(seconds=self._clock)
        self._clock += 1
        return {
            "function": self.function, "request_id": f"{self.worker}-{uuid.UUID(int=self._clock)}", "start_time": start,
            "end_time": start + timedelta(milliseconds=duration + (init or 0.0)), "duration_ms": duration,
            "billed_duration_ms": math.ceil(duration + (init or 0.0)), "memory_mb": self.memory_mb,
            "max_memory_used_mb": self.memory_mb if failed else min(self.memory_mb, 90), "init_ms": init,
            "restore_ms": None, "billed_restore_ms": None, "status": "error" if failed else "success",
            "error_type": "Runtime.OutOfMemory" if failed else None, "log_stream": None,
            "architecture": self.architecture,
        }


def _meet(directory: Path, worker: str, workers: int, timeout_s: float = 120.0) -> None:
    """Wait until ``workers`` workers have arrived in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / worker).touch()
    deadline = time.monotonic() + timeout_s
    while len(list(directory.iterdir())) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(list(directory.iterdir()))} of {workers} workers arrived")
        time.sleep(0.05)
