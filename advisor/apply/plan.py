"""What ``advisor apply`` would change: the live state against the desired configuration.

:func:`plan_of` compares the snapshot (:func:`advisor.apply.state.read_state`) with a
:class:`~advisor.apply.desired.Desired` and returns the changes as rows (setting, now, after)
for the confirmation table, the steps to make them, and the notes; or refuses, before anything
changes, what it cannot apply safely (see docs/apply.md, "What apply refuses").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.apply import scaling
from advisor.apply.code import Switch
from advisor.apply.desired import Desired
from advisor.errors import TargetError, UsageError
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.tune.keepwarm import KeepWarm
from advisor.units import format_duration

LATEST = "$LATEST"


@dataclass(frozen=True)
class Change:
    """One row of the confirmation table."""

    setting: str
    before: str
    after: str

    def to_dict(self) -> dict[str, str]:
        """The JSON object."""
        return {"setting": self.setting, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Plan:
    """The changes and how to make them.

    Attributes:
        function: The function.
        alias: The alias named by ``--alias`` (None: only ``$LATEST`` changes).
        changes: The rows of the table (empty: nothing to change).
        switch: ``$LATEST``'s architecture change and the code uploaded with it (None: unchanged).
        memory_mb: ``$LATEST``'s new memory size (None: unchanged).
        publish: Whether a version of ``$LATEST`` is published and the alias pointed at it.
        provisioned: The alias's provisioned concurrency from now on (0: none; None: unchanged).
        actions: The scheduled actions of a schedule (empty: no schedule; the scalable target,
            if any, is removed when ``provisioned`` is set).
        schedule_peak: The schedule's largest count (the scalable target's maximum).
        schedule: The schedule (its current hour's count is set at once).
        notes: What the user should know (pings left to the IaC, callers of other aliases).
    """

    function: str
    alias: str | None
    changes: tuple[Change, ...]
    switch: Switch | None = None
    memory_mb: int | None = None
    publish: bool = False
    provisioned: int | None = None
    actions: tuple[scaling.ScheduledAction, ...] = ()
    schedule_peak: int = 0
    schedule: ProvisionedSchedule | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        """Nothing to change."""
        return not self.changes

    def to_dict(self) -> dict[str, Any]:
        """The JSON object (``advisor apply --json``'s ``plan``)."""
        return {"function": self.function, "alias": self.alias, "changes": [c.to_dict() for c in self.changes],
                "architecture": self.switch.after if self.switch is not None else None,
                "code": self.switch.what if self.switch is not None else None,
                "memory_mb": self.memory_mb, "publish": self.publish, "provisioned": self.provisioned,
                "schedule": self.schedule.spec() if self.schedule is not None else None,
                "scheduled_actions": [{"name": a.name, "schedule": a.cron, "timezone": scaling.TIMEZONE,
                                       "count": a.count} for a in self.actions],
                "notes": list(self.notes)}


def plan_of(state: dict[str, Any], desired: Desired, switch: Switch | None = None) -> Plan:
    """The plan that takes the function in ``state`` to ``desired``.

    Args:
        state: The snapshot (:func:`advisor.apply.state.read_state`).
        desired: What to set.
        switch: The architecture change and its code (:func:`advisor.apply.code.switch_of`, which
            decides whether the architecture can change); None: the architecture stays.

    Raises:
        UsageError: provisioned concurrency without an alias.
        TargetError: a change apply does not make safely (an alias in the middle of a weighted
            deployment, ``$LATEST`` holding unreleased changes, scaling policies).
    """
    function, alias = state["function"], state["alias"]
    keep_warm = normalised(desired.keep_warm)
    if keep_warm is not None and alias is None:
        raise UsageError(f"provisioned concurrency lives on an alias, and {desired.source} sets it",
                         hint=f"Pass --alias NAME: the alias your callers invoke (e.g. `advisor apply {function} "
                              "--alias live`); apply publishes a version and points it there.")
    changes: list[Change] = []
    notes: list[str] = list(switch.notes) if switch is not None else []
    if switch is not None:
        changes.append(Change("architecture ($LATEST)", switch.before, f"{switch.after}: {switch.what}"))
    memory = desired.memory_mb
    new_memory = memory if memory is not None and memory != state["memory_mb"] else None
    if new_memory is not None:
        changes.append(Change("memory ($LATEST)", _mb(state["memory_mb"]), _mb(new_memory)))
    publish = _publish(state, desired, keep_warm, switch, changes)
    provisioned: int | None = None
    actions: list[scaling.ScheduledAction] = []
    peak, schedule = 0, None
    if keep_warm is not None:
        _check_alias(state)
        provisioned, actions, peak, schedule = _keep_warm(state, keep_warm, changes, notes)
    if alias is None and (new_memory is not None or switch is not None) and state["aliases"]:
        names = ", ".join(a["name"] for a in state["aliases"])
        what = "this memory size" if switch is None else "this architecture"
        notes.append(f"callers of the aliases ({names}) still run their versions: pass --alias NAME to publish "
                     f"{what} and point that alias at it")
    return Plan(function, alias, tuple(changes), switch, new_memory, publish, provisioned, tuple(actions), peak,
                schedule, tuple(notes))


def normalised(keep_warm: KeepWarm | None) -> KeepWarm | None:
    """A schedule that never changes is a constant count (or none)."""
    if keep_warm is None or keep_warm.kind != "schedule":
        return keep_warm
    assert keep_warm.schedule is not None
    count = scaling.constant_count(keep_warm.schedule)
    if count is None:
        return keep_warm
    return KeepWarm("provisioned", provisioned=count) if count else KeepWarm("none")


def _publish(state: dict[str, Any], desired: Desired, keep_warm: KeepWarm | None, switch: Switch | None,
             changes: list[Change]) -> bool:
    """Whether the alias needs a new version (its memory or architecture differs, or it does not exist yet)."""
    alias = state["alias"]
    if alias is None:
        return False
    memory = desired.memory_mb if desired.memory_mb is not None else state["memory_mb"]
    new = f"a new version of $LATEST ({_mb(memory)}{f', {switch.after}' if switch is not None else ''})"
    exists = state["alias_version"] is not None
    if state["alias_version"] == LATEST:  # it follows $LATEST; provisioned concurrency needs a version
        if keep_warm is None:
            return False
        changes.append(Change(f"alias {alias}", "$LATEST", new))
        return True
    memory_changes = desired.memory_mb is not None and state["alias_memory_mb"] != memory
    if exists and not memory_changes and switch is None:
        return False
    if not exists and desired.memory_mb is None and keep_warm is None and switch is None:
        return False
    differences = state.get("alias_released_differences") or []
    if exists and differences:
        raise TargetError(
            f"$LATEST of {state['function']} differs from version {state['alias_version']}, which alias {alias} "
            f"runs, in {', '.join(differences)}: publishing it would release that too",
            hint=f"Deploy $LATEST to {alias} through your pipeline first, or set the memory in your "
                 f"infrastructure code (`advisor apply {state['function']} --iac sam|terraform|cdk`).")
    before = f"version {state['alias_version']} ({_mb(state['alias_memory_mb'])})" if exists else "(no such alias)"
    changes.append(Change(f"alias {alias}", before, new))
    return True


def _check_alias(state: dict[str, Any]) -> None:
    alias = state["alias"]
    mine = next((a for a in state["aliases"] if a["name"] == alias), None)
    if mine is not None and mine["routing"]:
        raise TargetError(f"alias {alias} of {state['function']} routes traffic to two versions "
                          f"({mine['routing']}): a weighted deployment is in progress",
                          hint="Let it finish (or roll it back), then run advisor apply again.")
    if state["scaling_policies"]:
        raise TargetError(
            f"alias {alias} of {state['function']} has Application Auto Scaling policies "
            f"({', '.join(state['scaling_policies'])}) that set its provisioned concurrency",
            hint="advisor apply does not replace them: remove them first, or set the schedule in your "
                 "infrastructure code (--iac).")


def _keep_warm(state: dict[str, Any], keep_warm: KeepWarm, changes: list[Change],
               notes: list[str]) -> tuple[int | None, list[scaling.ScheduledAction], int, ProvisionedSchedule | None]:
    alias = state["alias"]
    now_count = state["alias_provisioned"] or 0
    now_schedule = _describe_actions(state["scheduled_actions"]) if state["scalable_target"] else "none"
    if keep_warm.kind == "schedule":
        assert keep_warm.schedule is not None
        actions = scaling.scheduled_actions(keep_warm.schedule, alias)
        wanted = ", ".join(f"{a.clock}={a.count}" for a in actions) + " (UTC, daily)"
        current = {(a["name"], a["schedule"], a["min"], a["max"]) for a in state["scheduled_actions"]}
        if current == {(a.name, a.cron, a.count, a.count) for a in actions} and state["scalable_target"]:
            return None, [], 0, None  # the alias has this schedule already
        changes.append(Change(f"provisioned schedule on {alias}", now_schedule, wanted))
        return None, actions, keep_warm.schedule.peak, keep_warm.schedule
    count = keep_warm.provisioned if keep_warm.kind == "provisioned" else 0
    if state["scalable_target"] is not None:
        changes.append(Change(f"provisioned schedule on {alias}", now_schedule, "none"))
    if count != now_count:
        changes.append(Change(f"provisioned concurrency on {alias}", str(now_count or "none"), str(count or "none")))
    if keep_warm.kind == "pings":
        assert keep_warm.ping_interval_s is not None
        notes.append(f"warm-up pings ({keep_warm.ping_concurrency} every {format_duration(keep_warm.ping_interval_s)})"
                     " are not set by advisor apply: add them with the snippet of `--iac` (an EventBridge "
                     "schedule needs a role and a handler that answers pings, which advisor does not create)")
    return count, [], 0, None


def _describe_actions(actions: list[dict[str, Any]]) -> str:
    if not actions:
        return "scalable target, no scheduled actions"
    return ", ".join(f"{a['schedule']}: {a['min']}-{a['max']}" for a in actions)


def _mb(value: Any) -> str:
    return f"{value:,} MB" if isinstance(value, int) else "n/a"
