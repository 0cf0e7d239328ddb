"""A virtual Lambda function for bench_tune.py: a plugin Target whose true curve is known.

Its mean duration against memory is a real measured curve, interpolated linearly in log
memory and log duration between the measured sizes (the tuning space never leaves them). Each
invocation draws ``mean x exp(sigma Z - sigma^2/2)``, and with probability ``outlier_rate``
multiplies it by U(1.5, 3): the outliers of real Lambda runs (noisy neighbours, GC pauses).
The first invocation after ``configure()`` or ``force_cold()`` is a cold start with an
``init_ms`` of its own, as Lambda's REPORT lines say.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from advisor.errors import UsageError
from advisor.targets import Target

SIGMA = 0.10
OUTLIER_RATE = 0.02
OUTLIER_LOW, OUTLIER_HIGH = 1.5, 3.0
INIT_MS = 300.0


class VirtualFunction(Target):
    """A function whose mean duration at memory m is ``curve(m)``.

    Args:
        sizes: The measured memory sizes (MB), ascending.
        durations: The measured mean duration at each (ms).
        seed: Seed of the noise.
        sigma: Log-normal spread of an invocation around the mean.
        outlier_rate: Share of invocations slowed by U(1.5, 3).
        name: The function's name in its records.
    """

    def __init__(self, sizes: list[int], durations: list[float], *, seed: int = 0, sigma: float = SIGMA,
                 outlier_rate: float = OUTLIER_RATE, name: str = "virtual") -> None:
        self.sizes = np.asarray(sizes, dtype=float)
        self.log_durations = np.log(np.asarray(durations, dtype=float))
        self.sigma = sigma
        self.outlier_rate = outlier_rate
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.memory_mb = int(self.sizes[0])
        self.cold = True
        self.clock = datetime(2026, 1, 1, tzinfo=UTC)

    def curve(self, memory_mb: Any) -> np.ndarray:
        """The noise-free curve value (ms) at each size (interpolated in log-log)."""
        at = np.log(np.asarray(memory_mb, dtype=float))
        return np.exp(np.interp(at, np.log(self.sizes), self.log_durations))

    def configure(self, memory_mb: int, **options: Any) -> None:
        if not self.sizes[0] <= memory_mb <= self.sizes[-1]:
            raise UsageError(f"memory {memory_mb} MB is outside the curve's {self.sizes[0]:.0f}-{self.sizes[-1]:.0f}")
        self.memory_mb = int(memory_mb)
        self.cold = True

    def force_cold(self) -> None:
        self.cold = True

    def invoke(self, payload: Any) -> dict[str, Any]:
        factor = math.exp(self.sigma * self.rng.standard_normal() - self.sigma**2 / 2.0)
        if self.rng.random() < self.outlier_rate:
            factor *= self.rng.uniform(OUTLIER_LOW, OUTLIER_HIGH)
        duration = float(self.curve(self.memory_mb)) * factor
        init = INIT_MS if self.cold else None
        self.cold = False
        start = self.clock
        self.clock += timedelta(milliseconds=duration + (init or 0.0) + 1000.0)
        return {"function": self.name, "request_id": str(uuid.uuid4()), "start_time": start,
                "end_time": start + timedelta(milliseconds=duration + (init or 0.0)),
                "duration_ms": duration, "billed_duration_ms": math.ceil(duration + (init or 0.0)),
                "memory_mb": self.memory_mb, "max_memory_used_mb": None, "init_ms": init,
                "restore_ms": None, "billed_restore_ms": None, "status": "success", "error_type": None,
                "log_stream": None, "architecture": "x86_64"}


def true_noise(seed: int = 12345, n: int = 2_000_000, sigma: float = SIGMA,
               outlier_rate: float = OUTLIER_RATE) -> np.ndarray:
    """Many draws of the noise factor, sorted: its mean and percentiles, to high precision."""
    rng = np.random.default_rng(seed)
    factor = np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2.0)
    out = rng.random(n) < outlier_rate
    factor[out] *= rng.uniform(OUTLIER_LOW, OUTLIER_HIGH, int(out.sum()))
    return np.sort(factor)
