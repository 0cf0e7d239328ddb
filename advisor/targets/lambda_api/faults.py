"""Fault injection: throttling, timeouts and out-of-memory on demand, for testing clients.

Written ``throttle=0.2,timeout=0.1,oom=512`` (``advisor local serve --inject``) or set as JSON
through the server's admin endpoint. ``throttle`` and ``timeout`` are the fractions of
invocations that are throttled (429 TooManyRequestsException, the handler does not run) or
time out; ``oom=512`` makes every invocation at a memory size below 512 MB run out of memory.

A timeout or an out-of-memory is made from a real invocation: the handler runs, then its
outcome is what Lambda reports for that fault (``Task timed out after X seconds`` and
``Status: timeout`` at the function's timeout; ``Runtime.OutOfMemory`` with Max Memory Used
at the memory size), and the environment is replaced, as Lambda replaces it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

from advisor.errors import UsageError
from advisor.platform.aws_lambda import MAX_MEMORY_MB, MIN_MEMORY_MB
from advisor.record import STATUS_ERROR, STATUS_TIMEOUT
from advisor.targets import lambda_log
from advisor.targets.local import OUT_OF_MEMORY, Invocation, billed_ms

THROTTLE, TIMEOUT, OOM = "throttle", "timeout", "oom"
SYNTAX = "throttle=FRACTION,timeout=FRACTION,oom=MB (e.g. throttle=0.2,oom=512)"


@dataclass(frozen=True)
class Faults:
    """What to inject.

    Attributes:
        throttle: fraction of invocations answered 429 TooManyRequestsException (0-1).
        timeout: fraction of invocations that time out (0-1).
        oom: invocations at a memory size below this (MB) run out of memory; None: none do.
    """

    throttle: float = 0.0
    timeout: float = 0.0
    oom: int | None = None

    @classmethod
    def parse(cls, spec: str | None) -> Faults:
        """Read ``throttle=0.2,timeout=0.1,oom=512`` (any subset; empty: no faults).

        Raises:
            UsageError: an unknown fault or a value out of its range, named.
        """
        values: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in (spec or "").split(","))):
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--inject {item!r} is not NAME=VALUE", hint=f"Write {SYNTAX}.")
            try:
                values[key.strip()] = float(value) if key.strip() != OOM else int(value)
            except ValueError:
                raise UsageError(f"--inject {key}: {value!r} is not a number", hint=f"Write {SYNTAX}.") from None
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Faults:
        """Faults from a JSON object with the keys ``throttle``, ``timeout``, ``oom`` (each optional).

        Raises:
            UsageError: an unknown key or a value out of its range, named.
        """
        unknown = sorted(set(values) - {THROTTLE, TIMEOUT, OOM})
        if unknown:
            raise UsageError(f"unknown fault {unknown[0]!r}", hint=f"Write {SYNTAX}.")
        faults = cls(**values)
        for name in (THROTTLE, TIMEOUT):
            share = getattr(faults, name)
            if not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:
                raise UsageError(f"fault {name}={share!r} is not a fraction from 0 to 1")
        if faults.throttle + faults.timeout > 1.0:
            raise UsageError("fault fractions throttle + timeout add up to more than 1")
        if faults.oom is not None and (not isinstance(faults.oom, int)
                                       or not MIN_MEMORY_MB <= faults.oom <= MAX_MEMORY_MB):
            raise UsageError(f"fault oom={faults.oom!r} is not a memory size from {MIN_MEMORY_MB} to "
                             f"{MAX_MEMORY_MB} MB")
        return faults

    def to_dict(self) -> dict[str, Any]:
        """The JSON object :meth:`from_dict` reads."""
        return asdict(self)


class Injector:
    """Draws the fault of each invocation (thread-safe, seeded)."""

    def __init__(self, faults: Faults, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.faults = faults

    def set(self, faults: Faults) -> None:
        """Change what is injected from the next invocation on."""
        with self._lock:
            self.faults = faults

    def draw(self, memory_mb: int) -> str | None:
        """The fault of the next invocation at ``memory_mb``: ``throttle``, ``timeout``, ``oom`` or None."""
        with self._lock:
            faults, draw = self.faults, self._random.random()
        if draw < faults.throttle:
            return THROTTLE
        if draw < faults.throttle + faults.timeout:
            return TIMEOUT
        if faults.oom is not None and memory_mb < faults.oom:
            return OOM
        return None


def timed_out(invocation: Invocation, timeout_s: float) -> Invocation:
    """``invocation`` as Lambda reports one that ran out of time after ``timeout_s``."""
    record = dict(invocation.record)
    duration_ms = timeout_s * 1000.0
    end = record["start_time"] + timedelta(milliseconds=duration_ms + (record["init_ms"] or 0.0))
    record.update(duration_ms=duration_ms, billed_duration_ms=billed_ms(duration_ms, record["init_ms"]),
                  end_time=end, status=STATUS_TIMEOUT, error_type=None)
    lines = [*_before_outcome(invocation.logs),
             lambda_log.timeout_line(end, record["request_id"], timeout_s)]
    return _ended(invocation, record, lines, "timed out")


def out_of_memory(invocation: Invocation) -> Invocation:
    """``invocation`` as Lambda reports one that ran out of memory."""
    record = dict(invocation.record)
    record.update(max_memory_used_mb=record["memory_mb"], status=STATUS_ERROR, error_type=OUT_OF_MEMORY)
    return _ended(invocation, record, _before_outcome(invocation.logs), "out of memory")


def _before_outcome(lines: tuple[str, ...]) -> list[str]:
    """The lines up to the handler's error (or the END line): the init, START and its output."""
    kept = []
    for line in lines:
        if line.startswith(("[ERROR] ", "END RequestId:")):
            break
        kept.append(line)
    return kept


def _ended(invocation: Invocation, record: dict[str, Any], lines: list[str], message: str) -> Invocation:
    lines += [lambda_log.end_line(record["request_id"]), lambda_log.report_line(record)]
    return replace(invocation, record=record, response=None, error_message=message, logs=tuple(lines))
