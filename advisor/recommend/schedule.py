"""The provisioned-concurrency schedule of a recommendation, one count per UTC hour of day.

Its shape is the traffic's hour of day: the keep-warm search's ``schedule`` strategy
(:mod:`advisor.tune.keepwarm`) sizes each hour by the requests in flight in that hour over
every day of the traffic and scales the shape until the SLA holds; this module reads the
best such schedule at the recommended size back as 24 hourly counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.tune.draws import HOURS_PER_DAY
from advisor.units import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from advisor.simulate.schedule import ProvisionedSchedule

#: The hour's count is read at its middle (a window always starts on the hour).
_HALF_HOUR_S = SECONDS_PER_HOUR // 2


@dataclass(frozen=True)
class HourlySchedule:
    """Provisioned instances by UTC hour of day.

    Attributes:
        hours_utc: 24 counts, hour 0 first.
        spec: The same as ``--provisioned-schedule`` text.
        description: What it is and what it gives, in words.
    """

    hours_utc: tuple[int, ...]
    spec: str
    description: str

    @classmethod
    def of(cls, schedule: ProvisionedSchedule, description: str) -> HourlySchedule:
        """The 24 hourly counts of ``schedule``."""
        hours = tuple(schedule.count_at(h * SECONDS_PER_HOUR + _HALF_HOUR_S) for h in range(HOURS_PER_DAY))
        return cls(hours, schedule.spec(), description)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: ``hours_utc`` (24 ints), ``spec`` and ``description``."""
        return {"hours_utc": list(self.hours_utc), "spec": self.spec, "description": self.description}
