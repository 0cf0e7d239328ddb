"""The search space of a tuning: memory sizes (a range or a list) and architectures.

``--memory`` is written ``128..10240`` (every size in 1 MB steps between the two, Lambda's own
step) or ``512,1024,1769`` (only those sizes). Every size is checked against Lambda's limits
(:mod:`advisor.platform.aws_lambda`), here and nowhere else in the tuner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from advisor.errors import UsageError
from advisor.models.design import initial_sizes
from advisor.platform import aws_lambda

OPTION: Final = "--memory"
EXAMPLE: Final = "128..10240 or 512,1024,1769"


@dataclass(frozen=True)
class MemorySpace:
    """The memory sizes a tuning may try.

    Attributes:
        low: Smallest size (MB).
        high: Largest size (MB).
        sizes: The only sizes allowed, ascending; None for every MB from ``low`` to ``high``.
    """

    low: int
    high: int
    sizes: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, text: str, *, option: str = OPTION) -> MemorySpace:
        """Read ``128..10240`` or ``512,1024,1769``.

        Raises:
            UsageError: a part that is not a whole number of MB, a size outside Lambda's
                limits, or a range whose ends are reversed.
        """
        body = text.strip()
        if ".." in body:
            first, _, last = body.partition("..")
            low = _size(first, option)
            high = _size(last, option)
            if low > high:
                raise UsageError(f"{option} {text!r} runs from {low} down to {high} MB.",
                                 hint=f"Write the smaller size first, e.g. {EXAMPLE}.")
            return cls(low, high)
        parts = [p for p in (s.strip() for s in body.split(",")) if p]
        if not parts:
            raise UsageError(f"{option} {text!r} holds no memory size.", hint=f"Write e.g. {EXAMPLE}.")
        return cls.of_sizes([_size(p, option) for p in parts])

    @classmethod
    def of_sizes(cls, sizes: list[int] | tuple[int, ...]) -> MemorySpace:
        """Only these sizes (each checked against Lambda's limits)."""
        checked = sorted({aws_lambda.check_memory_mb(s) for s in sizes})
        if len(checked) == 1:
            return cls(checked[0], checked[0], (checked[0],))
        return cls(checked[0], checked[-1], tuple(checked))

    @classmethod
    def full(cls) -> MemorySpace:
        """Every size Lambda allows."""
        return cls(aws_lambda.MIN_MEMORY_MB, aws_lambda.MAX_MEMORY_MB)

    def grid(self) -> np.ndarray:
        """Every allowed size, ascending (1 MB steps for a range)."""
        if self.sizes is not None:
            return np.asarray(self.sizes, dtype=np.int64)
        return np.arange(self.low, self.high + 1, aws_lambda.MEMORY_STEP_MB, dtype=np.int64)

    def contains(self, memory_mb: int) -> bool:
        """Whether ``memory_mb`` is one of the allowed sizes."""
        if self.sizes is not None:
            return memory_mb in self.sizes
        return self.low <= memory_mb <= self.high

    def nearest(self, memory_mb: float) -> int:
        """The allowed size nearest to ``memory_mb`` (in log memory)."""
        grid = self.grid()
        return int(grid[np.argmin(np.abs(np.log(grid) - np.log(max(memory_mb, 1.0))))])

    def initial(self) -> tuple[int, ...]:
        """The first sizes to measure: the initial design of :mod:`advisor.models.design` (the
        one design of the tuner and the benchmarks), distinct and allowed; a space of at most
        three sizes is measured whole."""
        return initial_sizes(self.low, self.high, self.sizes)

    def __str__(self) -> str:
        if self.sizes is not None:
            return ",".join(str(s) for s in self.sizes)
        return f"{self.low}..{self.high}"


def _size(text: str, option: str) -> int:
    try:
        value = float(text.strip().removesuffix("MB").removesuffix("mb"))
    except ValueError:
        raise UsageError(f"{option} part {text.strip()!r} is not a memory size in MB.",
                         hint=f"Write e.g. {EXAMPLE}.") from None
    return aws_lambda.check_memory_mb(value, option=option)


@dataclass(frozen=True)
class SearchSpace:
    """Memory sizes and architectures: every (memory, architecture) pair is a candidate.

    Attributes:
        memory: The memory sizes.
        architectures: The architectures, the first being the function's own.
    """

    memory: MemorySpace
    architectures: tuple[str, ...] = (aws_lambda.DEFAULT_ARCH,)

    def __post_init__(self) -> None:
        if not self.architectures:
            raise UsageError("--arch names no architecture.", hint="Use x86_64, arm64 or both.")
        for arch in self.architectures:
            aws_lambda.check_architecture(arch)
        if len(set(self.architectures)) != len(self.architectures):
            raise UsageError("--arch names an architecture twice.", hint="Give each once.")


def parse_architectures(text: str, *, option: str = "--arch") -> tuple[str, ...]:
    """Read ``x86_64`` or ``x86_64,arm64`` (each checked against Lambda's architectures)."""
    found = tuple(aws_lambda.check_architecture(p.strip(), option=option) for p in text.split(",") if p.strip())
    if not found:
        raise UsageError(f"{option} {text!r} names no architecture.", hint="Use x86_64, arm64 or both.")
    return found
