"""Measuring one candidate: invoke a target a few times at one memory size and architecture.

Only what must be measured is: warm durations at the size the sampler chose (payloads cycled
by weight) and, when the traffic needs a cold-start model, init times from fresh sandboxes
(``target.force_cold()``). A size that fails is a finding, not a crash: the
first invocation whose status is not ``success`` (or a configuration the target refuses) ends
the trial, which is then infeasible and keeps its errors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from advisor.errors import TargetError
from advisor.record import STATUS_ERROR, STATUS_SUCCESS
from advisor.targets import Target

#: Error type recorded when the target refused a configuration or could not invoke at all.
TARGET_ERROR = "TargetError"


@dataclass(frozen=True)
class Measurement:
    """The invocation records of one trial (one memory size and architecture).

    Attributes:
        memory_mb: The size measured.
        architecture: The architecture measured.
        records: One dict per invocation (the :mod:`advisor.record` fields, times as ISO
            text); a refused configuration adds one record with ``request_id`` None.
        trial: The study's trial number, when it has one.
    """

    memory_mb: int
    architecture: str
    records: tuple[dict[str, Any], ...]
    trial: int | None = None

    @property
    def invocations(self) -> int:
        """Invocations really made (a refused configuration made none)."""
        return sum(1 for r in self.records if r.get("request_id") is not None)

    @property
    def failed(self) -> bool:
        """Whether any invocation (or the configuration) failed."""
        return any(r.get("status") != STATUS_SUCCESS for r in self.records)

    def durations_ms(self) -> np.ndarray:
        """Durations (ms) of the successful invocations."""
        return np.array([float(r["duration_ms"]) for r in self.records
                         if r.get("status") == STATUS_SUCCESS and r.get("duration_ms") is not None], dtype=float)

    def init_ms(self) -> np.ndarray:
        """Init durations (ms) of the cold starts among the successful invocations."""
        return np.array([float(r["init_ms"]) for r in self.records
                         if r.get("status") == STATUS_SUCCESS and r.get("init_ms") is not None
                         and float(r["init_ms"]) > 0], dtype=float)

    def billed_ms(self) -> np.ndarray:
        """Billed durations (ms) of every invocation made, failed ones included."""
        return np.array([float(r.get("billed_duration_ms") or 0) for r in self.records
                         if r.get("request_id") is not None], dtype=float)

    def errors(self) -> list[str]:
        """The failures, each ``status: error type`` with its count (``x2``) when repeated."""
        counts = Counter(f"{r.get('status')}: {r.get('error_type') or 'unknown error'}"
                         for r in self.records if r.get("status") != STATUS_SUCCESS)
        return [text if n == 1 else f"{text} x{n}" for text, n in counts.items()]

    def percentile_ms(self, percentile: float) -> float | None:
        """The measured percentile of the successful durations (None when there are none)."""
        values = self.durations_ms()
        if not len(values):
            return None
        return float(np.percentile(values, percentile, method="higher"))


def measure(
    target: Target,
    *,
    memory_mb: int,
    architecture: str,
    payloads: Sequence[Any],
    cold_starts: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> Measurement:
    """Invoke ``target`` once per payload at ``memory_mb``; the first ``cold_starts`` fresh.

    The first invocation after a configuration is a cold start on every target; each further
    cold start is forced. Measuring ends at the first failed invocation (the size is
    infeasible; more invocations there would only spend budget) or when ``should_stop`` says so.

    Args:
        target: Where to invoke.
        memory_mb: Memory size.
        architecture: Architecture.
        payloads: The events, one invocation each, in order.
        cold_starts: How many of the invocations start fresh sandboxes (the first always does).
        should_stop: Called before each invocation; True ends the trial early (Ctrl-C, timeout).

    Returns:
        The records of the invocations made.
    """
    records: list[dict[str, Any]] = []
    try:
        target.configure(memory_mb, architecture=architecture)
    except TargetError as exc:
        return Measurement(memory_mb, architecture, (_refused(memory_mb, architecture, exc),))
    for i, payload in enumerate(payloads):
        if should_stop is not None and should_stop():
            break
        try:
            if 0 < i < cold_starts:
                target.force_cold()
            record = target.invoke(payload)
        except TargetError as exc:
            records.append(_refused(memory_mb, architecture, exc))
            break
        except KeyboardInterrupt as exc:
            # The invocations made before Ctrl-C were billed: the caller keeps them.
            raise Interrupted(Measurement(memory_mb, architecture, tuple(records))) from exc
        records.append(_plain(record, memory_mb, architecture))
        if record.get("status") != STATUS_SUCCESS:
            break
    return Measurement(memory_mb, architecture, tuple(records))


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a trial, carrying the invocations made before it."""

    def __init__(self, partial: Measurement) -> None:
        super().__init__()
        self.partial = partial


def _plain(record: dict[str, Any], memory_mb: int, architecture: str) -> dict[str, Any]:
    """The record with JSON-friendly values (times as ISO text), memory and architecture set."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, np.generic):
            out[key] = value.item()
        elif value is None or isinstance(value, (str, int, float, bool)):
            out[key] = value
        else:
            out[key] = str(value)
    if out.get("memory_mb") is None:
        out["memory_mb"] = memory_mb
    if out.get("architecture") is None:
        out["architecture"] = architecture
    return out


def _refused(memory_mb: int, architecture: str, exc: TargetError) -> dict[str, Any]:
    return {"request_id": None, "status": STATUS_ERROR, "error_type": f"{TARGET_ERROR}: {exc}",
            "memory_mb": memory_mb, "architecture": architecture, "duration_ms": None,
            "billed_duration_ms": 0}
