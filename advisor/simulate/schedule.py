"""Provisioned-concurrency schedules: a number of pre-warmed instances by time of day (UTC).

Spec syntax (``--provisioned-schedule``): comma-separated ``HH:MM-HH:MM=N`` windows and an
optional ``else=N`` (default 0), e.g. ``08:00-20:00=5,else=0`` or ``22:00-06:00=2`` (a window
may wrap midnight). Windows must not overlap. The count applies from the window's start up to,
not including, its end; new instances are ready (pre-warmed) at the change time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from advisor import limits
from advisor.errors import UsageError
from advisor.units import MINUTES_PER_HOUR, SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE

MINUTES_PER_DAY = SECONDS_PER_DAY // SECONDS_PER_MINUTE
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})=(\d+)$")
_ELSE = re.compile(r"^else=(\d+)$")


@dataclass(frozen=True)
class ProvisionedSchedule:
    """Provisioned instances by UTC time of day.

    Attributes:
        windows: ``(start_s, end_s, count)`` in seconds since midnight; ``end_s < start_s`` wraps.
        default: The count outside every window.
    """

    windows: tuple[tuple[int, int, int], ...]
    default: int = 0

    @classmethod
    def parse(cls, spec: str) -> ProvisionedSchedule:
        """Parse ``08:00-20:00=5,else=0``; UsageError naming the bad part otherwise."""
        windows: list[tuple[int, int, int]] = []
        default = 0
        for raw in spec.split(","):
            part = raw.strip()
            if match := _ELSE.match(part):
                default = int(limits.INSTANCES.check(int(match.group(1)), option=f"provisioned schedule {part!r}"))
            elif match := _WINDOW.match(part):
                h1, m1, h2, m2, count = (int(g) for g in match.groups())
                if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
                    raise UsageError(f"bad time window {part!r} in provisioned schedule {spec!r}.",
                                     hint="Use HH:MM-HH:MM=N with two different times, e.g. 08:00-20:00=5.")
                limits.INSTANCES.check(count, option=f"provisioned schedule {part!r}")
                start_s = (h1 * MINUTES_PER_HOUR + m1) * SECONDS_PER_MINUTE % SECONDS_PER_DAY
                end_s = (h2 * MINUTES_PER_HOUR + m2) * SECONDS_PER_MINUTE % SECONDS_PER_DAY
                windows.append((start_s, end_s, count))
            else:
                raise UsageError(f"cannot read {part!r} in provisioned schedule {spec!r}.",
                                 hint="Write windows like 08:00-20:00=5 and an optional else=N, comma-separated.")
        schedule = cls(tuple(windows), default)
        schedule._check_overlap(spec)
        return schedule

    def _check_overlap(self, spec: str) -> None:
        minutes = np.zeros(MINUTES_PER_DAY, dtype=np.int64)
        for start, end, _ in self.windows:
            stop = end if end > start else end + SECONDS_PER_DAY
            span = np.arange(start // SECONDS_PER_MINUTE, stop // SECONDS_PER_MINUTE)
            idx = span % MINUTES_PER_DAY
            minutes[idx] += 1
        if minutes.max(initial=0) > 1:
            raise UsageError(f"windows overlap in provisioned schedule {spec!r}.",
                             hint="Give each time of day at most one count.")

    def spec(self) -> str:
        """The schedule in the syntax :meth:`parse` reads: ``08:00-20:00=5,else=0``."""
        def clock(seconds: int) -> str:
            return f"{seconds // SECONDS_PER_HOUR:02d}:{seconds % SECONDS_PER_HOUR // SECONDS_PER_MINUTE:02d}"

        windows = [f"{clock(start)}-{clock(end)}={count}" for start, end, count in self.windows]
        return ",".join([*windows, f"else={self.default}"])

    @property
    def peak(self) -> int:
        """The largest count the schedule ever asks for."""
        return max([self.default, *(count for _, _, count in self.windows)])

    def count_at(self, t: float) -> int:
        """Provisioned instances wanted at epoch second ``t``."""
        tod = t % SECONDS_PER_DAY
        for start, end, count in self.windows:
            inside = start <= tod < end if start < end else (tod >= start or tod < end)
            if inside:
                return count
        return self.default

    def change_points(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Times in ``[t0, t1]`` where the count changes, starting with ``t0`` and its count."""
        bounds = sorted({b for start, end, _ in self.windows for b in (start, end)})
        times = [t0]
        first_day = int(t0 // SECONDS_PER_DAY)
        for day in range(first_day, int(t1 // SECONDS_PER_DAY) + 1):
            times.extend(day * SECONDS_PER_DAY + b for b in bounds if t0 < day * SECONDS_PER_DAY + b <= t1)
        counts = [self.count_at(t) for t in times]
        keep = [0] + [i for i in range(1, len(times)) if counts[i] != counts[i - 1]]
        return (np.array([times[i] for i in keep], dtype=np.float64),
                np.array([counts[i] for i in keep], dtype=np.int64))
