"""A plugin target whose true mean duration against memory is known: for checking the tuner.

Durations follow ``io + cpu * 1769 / min(m, 1769)`` ms (a single-threaded handler with an I/O
part), scattered log-normally; below ``fails_below_mb`` every invocation fails as Lambda
reports running out of memory.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from advisor.targets import Target

KNEE_MB = 1769


class CurveTarget(Target):
    """A virtual function with a known curve.

    Args:
        io_ms: Duration that does not scale with memory.
        cpu_ms: CPU time at one vCPU (1,769 MB).
        sigma: Log-normal spread of an invocation around its mean.
        seed: Seed of the spread.
        fails_below_mb: Sizes below this run out of memory.
    """

    def __init__(self, io_ms: float = 40.0, cpu_ms: float = 60.0, *, sigma: float = 0.05, seed: int = 0,
                 fails_below_mb: int = 0) -> None:
        self.io_ms, self.cpu_ms, self.sigma = io_ms, cpu_ms, sigma
        self.rng = np.random.default_rng(seed)
        self.fails_below_mb = fails_below_mb
        self.memory_mb = 128
        self.cold = True
        self.invocations = 0
        self.clock = datetime(2026, 1, 1, tzinfo=UTC)

    def mean_ms(self, memory_mb: Any) -> np.ndarray:
        """The true mean duration (ms) at each size."""
        memory = np.asarray(memory_mb, dtype=float)
        return self.io_ms + self.cpu_ms * KNEE_MB / np.minimum(memory, KNEE_MB)

    def configure(self, memory_mb: int, **options: Any) -> None:
        self.memory_mb = int(memory_mb)
        self.cold = True

    def invoke(self, payload: Any) -> dict[str, Any]:
        self.invocations += 1
        failed = self.memory_mb < self.fails_below_mb
        factor = math.exp(self.sigma * self.rng.standard_normal() - self.sigma**2 / 2)
        duration = 5.0 if failed else float(self.mean_ms(self.memory_mb)) * factor
        init = 250.0 if self.cold else None
        self.cold = False
        start = self.clock
        self.clock += timedelta(seconds=1)
        return {"function": "curve", "request_id": str(uuid.uuid4()), "start_time": start,
                "end_time": start + timedelta(milliseconds=duration), "duration_ms": duration,
                "billed_duration_ms": math.ceil(duration), "memory_mb": self.memory_mb,
                "max_memory_used_mb": self.memory_mb if failed else 100, "init_ms": init,
                "restore_ms": None, "billed_restore_ms": None,
                "status": "error" if failed else "success",
                "error_type": "Runtime.OutOfMemory" if failed else None,
                "log_stream": None, "architecture": "x86_64"}


class InterruptingTarget(CurveTarget):
    """Raises KeyboardInterrupt (Ctrl-C) at its ``interrupt_at``-th invocation."""

    def __init__(self, interrupt_at: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.interrupt_at = interrupt_at

    def invoke(self, payload: Any) -> dict[str, Any]:
        if self.invocations + 1 == self.interrupt_at:
            self.invocations += 1
            raise KeyboardInterrupt
        return super().invoke(payload)
