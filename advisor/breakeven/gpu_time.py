"""GPU time per batch size (``--gpu-ms``): the one parser of its syntax, and the fitted curve.

Two forms, parsed here only: a table ``1:40,8:95,32:260`` (batch size ``:`` milliseconds per
batch), or the path of a CSV file with the columns ``batch,ms`` (a header line is optional;
``advisor local profile`` writes one). The curve ``ms = a + b * batch`` is fitted by least
squares (numpy's ``lstsq``): the fixed cost of a forward pass plus the cost of each item. With
one measured size, ``a = 0`` and ``b = ms / batch`` (no saving from batching is assumed).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor import limits
from advisor.errors import InputError, UsageError

OPTION = "--gpu-ms"
EXAMPLE = "1:40,8:95,32:260 or a CSV file with columns batch,ms"


@dataclass(frozen=True)
class GpuTimes:
    """Measured GPU milliseconds per batch size and the line fitted through them.

    Attributes:
        points: ``(batch, ms)`` as measured, by batch size.
        intercept_ms: ``a`` of ``a + b * batch``.
        per_item_ms: ``b``.
    """

    points: tuple[tuple[int, float], ...]
    intercept_ms: float
    per_item_ms: float

    @classmethod
    def fit(cls, points: list[tuple[int, float]], *, where: str = OPTION) -> GpuTimes:
        """Fit ``a + b * batch`` through ``points``.

        Raises:
            UsageError: no point, a batch size twice, or times that fall as batches grow.
        """
        if not points:
            raise UsageError(f"{where} gives no batch size.", hint=f"Write e.g. {EXAMPLE}.")
        batches = [b for b, _ in points]
        if len(set(batches)) != len(batches):
            raise UsageError(f"{where} gives a batch size twice.", hint="Give each batch size once.")
        ordered = tuple(sorted(points))
        x = np.array([b for b, _ in ordered], dtype=np.float64)
        y = np.array([ms for _, ms in ordered], dtype=np.float64)
        if x.size == 1:
            return cls(ordered, 0.0, float(y[0] / x[0]))
        (b, a), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
        if b <= 0:
            raise UsageError(f"{where}: GPU time does not grow with the batch size ({_table(ordered)}).",
                             hint="Give times per whole batch, measured at two batch sizes or more.")
        return cls(ordered, float(a), float(b))

    @classmethod
    def parse(cls, text: str) -> GpuTimes:
        """Read a ``batch:ms,...`` table or a CSV file path (see the module's doc).

        Raises:
            UsageError: a table entry that is not ``batch:ms`` or is out of bounds.
            InputError: a CSV file line that is not ``batch,ms``, naming file and line.
            NotFoundError: never; a path that does not exist is read as a table and refused.
        """
        path = Path(text)
        if text.strip() and ":" not in text and (path.suffix.lower() == ".csv" or path.is_file()):
            return cls._read_csv(path)
        points = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            batch, sep, ms = part.partition(":")
            if not sep:
                raise UsageError(f"{OPTION} part {part!r} is not batch:ms.", hint=f"Write e.g. {EXAMPLE}.")
            points.append(_point(batch, ms, where=f"{OPTION} {part!r}"))
        return cls.fit(points)

    @classmethod
    def _read_csv(cls, path: Path) -> GpuTimes:
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
        except OSError as exc:
            raise InputError(f"cannot read {OPTION} file {path}: {exc.strerror}.",
                             hint=f"Give {EXAMPLE}.") from None
        points = []
        for number, row in enumerate(rows, start=1):
            cells = [c.strip() for c in row]
            if not any(cells) or (number == 1 and cells[:1] == ["batch"]):
                continue
            if len(cells) != 2:
                raise InputError(f"{path}:{number}: expected two columns batch,ms, found {len(cells)}.")
            try:
                points.append(_point(cells[0], cells[1], where=f"{path}:{number}"))
            except UsageError as exc:
                raise InputError(exc.message, hint=exc.hint) from None
        return cls.fit(points, where=str(path))

    def ms(self, batch: np.ndarray | int) -> np.ndarray:
        """GPU milliseconds of a batch of each size in ``batch`` (the fitted line)."""
        return self.intercept_ms + self.per_item_ms * np.asarray(batch, dtype=np.float64)

    def throughput_per_s(self, batch: int) -> float:
        """Requests per second one GPU serves when every batch holds ``batch``."""
        return batch * 1000.0 / float(self.ms(batch))

    def describe(self) -> str:
        """``a + b x batch ms (fitted through 1:40,8:95)``, for the assumptions."""
        fitted = f"{self.intercept_ms:.3g} + {self.per_item_ms:.3g} x batch ms"
        return f"{fitted} (least squares through {_table(self.points)})"


def _point(batch: str, ms: str, *, where: str) -> tuple[int, float]:
    try:
        size, time = float(batch), float(ms)
    except ValueError:
        raise UsageError(f"{where}: {batch!r}:{ms!r} is not a batch size and a time in ms.",
                         hint=f"Write e.g. {EXAMPLE}.") from None
    size = limits.BATCH.check(size, option=f"{where} batch")
    time = limits.DURATION_MS.check(time, option=f"{where} ms")
    if time <= 0:
        raise UsageError(f"{where}: a batch takes some time; {ms} ms is not above 0.", hint=f"Write e.g. {EXAMPLE}.")
    return int(size), float(time)


def _table(points: tuple[tuple[int, float], ...]) -> str:
    return ",".join(f"{b}:{ms:g}" for b, ms in points)
