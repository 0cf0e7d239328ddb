"""A provisioned-concurrency schedule as Application Auto Scaling scheduled actions on an alias.

Provisioned concurrency by time of day is set through Application Auto Scaling: the alias is
registered as a scalable target (``lambda:function:ProvisionedConcurrency``, resource
``function:NAME:ALIAS``), and one scheduled action per change of the schedule sets the minimum
and maximum capacity to that change's count, every day at that time, by a cron expression in
UTC. The same actions appear in every IaC snippet (:mod:`advisor.apply.iac`), so what
``advisor apply`` sets and what the snippet sets cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from advisor.simulate.schedule import ProvisionedSchedule
from advisor.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE

NAMESPACE: Final = "lambda"
DIMENSION: Final = "lambda:function:ProvisionedConcurrency"
#: The time zone of every cron expression advisor writes (the schedule is by UTC hour).
TIMEZONE: Final = "Etc/UTC"
#: Scheduled actions advisor creates are named ``advisor-<alias>-HHMM``.
ACTION_PREFIX: Final = "advisor-"


def resource_id(function: str, alias: str) -> str:
    """Application Auto Scaling's resource id of ``function``'s ``alias``."""
    return f"function:{function}:{alias}"


@dataclass(frozen=True)
class ScheduledAction:
    """One daily change of provisioned concurrency.

    Attributes:
        name: The action's name (``advisor-live-0800``).
        hour, minute: When, in UTC.
        count: The provisioned instances from then on (the action's minimum and maximum capacity).
    """

    name: str
    hour: int
    minute: int
    count: int

    @property
    def cron(self) -> str:
        """Application Auto Scaling's daily cron expression: ``cron(0 8 * * ? *)``."""
        return f"cron({self.minute} {self.hour} * * ? *)"

    @property
    def clock(self) -> str:
        """``08:00``."""
        return f"{self.hour:02d}:{self.minute:02d}"


def scheduled_actions(schedule: ProvisionedSchedule, alias: str) -> list[ScheduledAction]:
    """One action per time of day where ``schedule``'s count changes, in time order.

    A schedule whose count never changes has none (it is a constant: see :func:`constant_count`).
    """
    actions = []
    for bound in sorted({b for start, end, _ in schedule.windows for b in (start, end)}):
        count = schedule.count_at(bound)
        if count != schedule.count_at(bound - SECONDS_PER_MINUTE):  # windows start and end on whole minutes
            hour, minute = bound // SECONDS_PER_HOUR, bound % SECONDS_PER_HOUR // SECONDS_PER_MINUTE
            actions.append(ScheduledAction(f"{ACTION_PREFIX}{alias}-{hour:02d}{minute:02d}", hour, minute, count))
    return actions


def constant_count(schedule: ProvisionedSchedule) -> int | None:
    """The count of a schedule that never changes, or None when it does."""
    return None if scheduled_actions(schedule, "-") else schedule.count_at(0)
