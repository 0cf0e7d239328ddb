"""``advisor local profile``: a handler's time per batch size, measured, for ``--gpu-ms``.

The handler runs in the local target's worker processes (``advisor.targets.LocalTarget``, as
``advisor local invoke`` runs it). For each batch size it gets the event
``{**payload, BATCH_KEY: size, "device": DEVICE}`` and builds a batch of that many inputs on
that device; one warm-up invocation per size (the first is the cold start; a CUDA framework
also picks its kernels then), then ``repeats`` timed ones. The time is the worker's duration
of the invocation (the REPORT line's ``Duration``), the median per size.

``--device cuda``: the handler runs its model on the GPU and must return only when the
batch's results are back on the host (``tensor.cpu()``, ``.item()`` or
``torch.cuda.synchronize()``): CUDA calls are asynchronous, and a handler that returns before
the GPU finishes is timed too short. advisor checks that PyTorch sees a CUDA device before it
starts, and fails with a message when it does not; nothing else depends on a GPU.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor import limits
from advisor.breakeven.gpu_time import GpuTimes
from advisor.errors import TargetError, UsageError
from advisor.platform.aws_lambda import MAX_MEMORY_MB, MAX_TIMEOUT_S

DEVICES = ("cpu", "cuda")
DEFAULT_BATCHES = (1, 8, 32)
DEFAULT_REPEATS = 5
DEFAULT_BATCH_KEY = "batch"


@dataclass(frozen=True)
class BatchProfile:
    """Measured milliseconds per batch size on one device.

    Attributes:
        handler: What was measured.
        device: ``cpu`` or ``cuda``.
        samples_ms: Per batch size, the timed invocations' durations.
    """

    handler: str
    device: str
    samples_ms: dict[int, list[float]] = field(default_factory=dict)

    def medians(self) -> list[tuple[int, float]]:
        """``(batch, median ms)`` by batch size."""
        return [(size, statistics.median(times)) for size, times in sorted(self.samples_ms.items())]

    def times(self) -> GpuTimes:
        """The fitted ``a + b x batch`` line through the medians (what ``--gpu-ms`` would read)."""
        return GpuTimes.fit(self.medians(), where=self.handler)

    def write_csv(self, path: Path) -> None:
        """Write ``batch,ms`` (the medians), the file ``advisor breakeven --gpu-ms FILE`` reads."""
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["batch", "ms"])
            writer.writerows((size, f"{ms:.3f}") for size, ms in self.medians())

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        times = self.times()
        return {"handler": self.handler, "device": self.device,
                "batches": [{"batch": size, "median_ms": round(ms, 3), "samples_ms": self.samples_ms[size]}
                            for size, ms in self.medians()],
                "fit": {"intercept_ms": times.intercept_ms, "per_item_ms": times.per_item_ms},
                "gpu_ms": ",".join(f"{size}:{ms:.3f}" for size, ms in self.medians())}


def parse_batches(text: str, *, option: str = "--batches") -> list[int]:
    """``1,8,32``: batch sizes within :data:`advisor.limits.BATCH`, sorted, each once."""
    sizes = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            value = float(part)
        except ValueError:
            raise UsageError(f"{option} part {part!r} is not a batch size.", hint="Write e.g. 1,8,32.") from None
        sizes.add(int(limits.BATCH.check(value, option=option)))
    if not sizes:
        raise UsageError(f"{option} {text!r} gives no batch size.", hint="Write e.g. 1,8,32.")
    return sorted(sizes)


def check_device(device: str) -> None:
    """Refuse a device advisor cannot run on here (CUDA without PyTorch or without a GPU)."""
    if device not in DEVICES:
        raise UsageError(f"--device {device!r} is not a device advisor profiles on.", hint="Use cpu or cuda.")
    if device == "cpu":
        return
    try:
        import torch  # type: ignore[import-not-found, unused-ignore]  # optional: only the CUDA path needs it
    except ImportError:
        raise UsageError("--device cuda needs PyTorch, which is not installed here.",
                         hint="Install torch with CUDA support, or profile with --device cpu.") from None
    if not torch.cuda.is_available():
        raise UsageError("--device cuda: PyTorch sees no CUDA device on this machine.",
                         hint="Run it where a GPU is, or profile with --device cpu.")


def profile_handler(handler: str, *, device: str = "cpu", batches: Sequence[int] = DEFAULT_BATCHES,
                    repeats: int = DEFAULT_REPEATS, batch_key: str = DEFAULT_BATCH_KEY,
                    payload: dict[str, Any] | None = None, memory_mb: int = MAX_MEMORY_MB,
                    timeout_s: float = MAX_TIMEOUT_S) -> BatchProfile:
    """Measure ``handler`` at each batch size (see the module's doc).

    Raises:
        UsageError: a device not available here, no batch size, fewer than one repeat.
        TargetError: an invocation failed (naming the batch size and the error).
    """
    from advisor.targets import LocalTarget

    check_device(device)
    if not batches or repeats < 1:
        raise UsageError("give at least one batch size and one repeat.")
    profile = BatchProfile(handler, device)
    with LocalTarget(handler, memory_mb=memory_mb, timeout_s=timeout_s) as target:
        for size in sorted(set(batches)):
            event = {**(payload or {}), batch_key: size, "device": device}
            runs = [target.invoke(event) for _ in range(repeats + 1)]  # the first warms up
            failed = next((r for r in runs if r["status"] != "success"), None)
            if failed is not None:
                raise TargetError(f"{handler} failed at batch {size}: {failed['status']} {failed['error_type'] or ''}"
                                  .rstrip() + ".", hint=f"Run advisor local invoke {handler} --payload "
                                  f"'{{\"{batch_key}\": {size}}}' to see why.")
            profile.samples_ms[size] = [float(r["duration_ms"]) for r in runs[1:]]
    return profile
