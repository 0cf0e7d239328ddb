"""Making a plan's changes, each one journaled before it is made.

The steps run in this order: ``$LATEST``'s architecture with its code (``UpdateFunctionCode``),
then its memory (each with the RevisionId read at the start or left by the step before, so a
deployment made meanwhile is never overwritten), a version of ``$LATEST`` published (its
description ``advisor apply <run id>``) and the alias pointed at it, then the alias's
provisioned concurrency: a constant count, or the schedule's scalable target and scheduled
actions plus the current hour's count at once. Before each step the part it changes is marked
in ``created`` and the journal rewritten (synced), so a restore after any interruption knows
what to put back; a version is journaled as soon as its number is known, and found by its
description otherwise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Final

from advisor import aws
from advisor.apply import scaling
from advisor.apply.code import Switch
from advisor.apply.plan import Plan
from advisor.apply.state import Clients, errors
from advisor.errors import TargetError
from advisor.targets import lambda_code

#: Marks the versions an apply publishes (their Description), so a restore finds them all.
VERSION_DESCRIPTION: Final = "advisor apply {run_id}"


def nothing_created() -> dict[str, Any]:
    """What an apply has changed before its first step: nothing."""
    return {"code_changed": False, "latest_changed": False, "versions": [], "alias_changed": False,
            "provisioned_changed": False, "scaling_changed": False, "actions": []}


class Applier:
    """Makes ``plan``'s changes on the function of ``state`` through ``clients``.

    Args:
        clients: Lambda and Application Auto Scaling.
        state: The snapshot read before (the journal's original).
        plan: The changes.
        record: Called with what has been changed so far, before each change (the journal).
        clock: Epoch seconds (the current hour of a schedule).
    """

    def __init__(self, clients: Clients, state: dict[str, Any], plan: Plan,
                 record: Callable[[dict[str, Any]], None], clock: Callable[[], float] = time.time) -> None:
        self.clients, self.state, self.plan = clients, state, plan
        self.function = state["function"]
        self.created = nothing_created()
        self._record, self._clock = record, clock
        self._revision: str | None = state.get("revision_id")

    def run(self) -> list[str]:
        """Make every change; the lines saying what was done.

        Raises:
            TargetError: the function changed meanwhile (RevisionId), or an update failed.
            NotFoundError, RemoteError: AWS refused.
        """
        lines = []
        with errors(self.function):
            if self.plan.switch is not None:
                lines.append(self._code(self.plan.switch))
            if self.plan.memory_mb is not None:
                lines.append(self._memory(self.plan.memory_mb))
            if self.plan.publish:
                lines.append(self._publish())
            if self.plan.actions:
                lines.extend(self._schedule())
            elif self.plan.provisioned is not None:
                lines.extend(self._constant(self.plan.provisioned))
        return lines

    # -- steps -------------------------------------------------------------------------------

    def _code(self, switch: Switch) -> str:
        lam = self.clients.lam
        self._mark(code_changed=True)
        updated = _precondition(self.function, lambda: lam.update_function_code(
            FunctionName=self.function, **switch.upload(), **self._revision_argument()))
        self._mark(code_sha256=updated["CodeSha256"], architecture=switch.after)
        aws.wait(lam, "function_updated_v2", FunctionName=self.function)
        self._revision = lambda_code.settled_revision(lam, self.function, updated["CodeSha256"], switch.after,
                                                     command="advisor apply")
        return f"switched $LATEST to {switch.after} with {switch.what} (was {switch.before})"

    def _memory(self, memory_mb: int) -> str:
        self._mark(latest_changed=True, memory_mb=memory_mb)
        _precondition(self.function, lambda: self.clients.lam.update_function_configuration(
            FunctionName=self.function, MemorySize=memory_mb, **self._revision_argument()))
        aws.wait(self.clients.lam, "function_updated_v2", FunctionName=self.function)
        return f"set $LATEST's memory to {memory_mb:,} MB (was {self.state['memory_mb']:,} MB)"

    def _publish(self) -> str:
        lam, alias = self.clients.lam, self.plan.alias
        revision = lam.get_function_configuration(FunctionName=self.function).get("RevisionId")
        mark = VERSION_DESCRIPTION.format(run_id=self.state["run_id"])
        published = _precondition(self.function, lambda: lam.publish_version(
            FunctionName=self.function, Description=mark, **({"RevisionId": revision} if revision else {})))
        version = published["Version"]
        if published.get("Description") == mark:  # not an earlier version with the same settings
            self._mark(versions=[*self.created["versions"], version])
        aws.wait(lam, "published_version_active", FunctionName=self.function, Qualifier=version)
        self._mark(alias_changed=True)
        if self.state["alias_version"] is None:
            lam.create_alias(FunctionName=self.function, Name=alias, FunctionVersion=version,
                             Description="advisor apply")
            return f"published version {version} and created alias {alias} on it"
        lam.update_alias(FunctionName=self.function, Name=alias, FunctionVersion=version)
        was = self.state["alias_version"]
        return f"published version {version} and pointed alias {alias} at it (was version {was})"

    def _constant(self, count: int) -> list[str]:
        lines = []
        if self.state["scalable_target"] is not None:
            self._mark(scaling_changed=True)
            for action in self.state["scheduled_actions"]:  # deregistering deletes them on AWS; said, not assumed
                self.clients.aas.delete_scheduled_action(**self._target(), ScheduledActionName=action["name"])
            self.clients.aas.deregister_scalable_target(**self._target())
            lines.append(f"removed the provisioned schedule of alias {self.plan.alias} (its scalable target)")
        lines.extend(self._provision(count))
        return lines

    def _schedule(self) -> list[str]:
        aas, plan = self.clients.aas, self.plan
        self._mark(scaling_changed=True, actions=[a.name for a in plan.actions])
        aas.register_scalable_target(**self._target(), MinCapacity=0, MaxCapacity=max(plan.schedule_peak, 1))
        wanted = {a.name for a in plan.actions}
        for old in self.state["scheduled_actions"]:
            if old["name"] not in wanted:
                aas.delete_scheduled_action(**self._target(), ScheduledActionName=old["name"])
        for action in plan.actions:
            aas.put_scheduled_action(**self._target(), ScheduledActionName=action.name, Schedule=action.cron,
                                     Timezone=scaling.TIMEZONE,
                                     ScalableTargetAction={"MinCapacity": action.count, "MaxCapacity": action.count})
        assert plan.schedule is not None
        now = plan.schedule.count_at(self._clock())
        lines = [f"registered alias {plan.alias} with Application Auto Scaling (0-{plan.schedule_peak}) and put "
                 f"{len(plan.actions)} scheduled action{'s' * (len(plan.actions) != 1)} (UTC)"]
        return lines + self._provision(now, why=" for the current hour")

    def _provision(self, count: int, why: str = "") -> list[str]:
        lam, alias = self.clients.lam, self.plan.alias
        current = self._current_provisioned()
        if current == (count or None):
            return []
        self._mark(provisioned_changed=True)
        if count:
            lam.put_provisioned_concurrency_config(FunctionName=self.function, Qualifier=alias,
                                                   ProvisionedConcurrentExecutions=count)
            return [f"set provisioned concurrency {count} on alias {alias}{why} (was {current or 'none'})"]
        lam.delete_provisioned_concurrency_config(FunctionName=self.function, Qualifier=alias)
        return [f"removed provisioned concurrency from alias {alias}{why} (was {current})"]

    # -- plumbing ----------------------------------------------------------------------------

    def _revision_argument(self) -> dict[str, str]:
        return {"RevisionId": self._revision} if self._revision else {}

    def _current_provisioned(self) -> int | None:
        return current_provisioned(self.clients.lam, self.function, self.plan.alias)

    def _target(self) -> dict[str, str]:
        assert self.plan.alias is not None
        return target_of(self.function, self.plan.alias)

    def _mark(self, **changed: Any) -> None:
        self.created.update(changed)
        self._record(json.loads(json.dumps(self.created)))


def target_of(function: str, alias: str) -> dict[str, str]:
    """The keyword arguments that name ``alias``'s scalable target."""
    return {"ServiceNamespace": scaling.NAMESPACE, "ResourceId": scaling.resource_id(function, alias),
            "ScalableDimension": scaling.DIMENSION}


def current_provisioned(lam: Any, function: str, alias: str | None) -> int | None:
    """The provisioned concurrency requested on ``alias`` now (None: none)."""
    try:
        found = lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier=alias)
    except Exception as exc:
        if aws.error_code(exc) in aws.NOT_FOUND_CODES:
            return None
        raise
    return int(found["RequestedProvisionedConcurrentExecutions"])


def _precondition(function: str, call: Callable[[], Any]) -> Any:
    """``call()``, a moved RevisionId as the TargetError that says someone deployed meanwhile."""
    try:
        return call()
    except Exception as exc:
        if aws.error_code(exc) == "PreconditionFailedException":
            raise TargetError(f"function {function!r} changed while advisor apply ran (its RevisionId moved)",
                              hint="Someone deployed meanwhile and advisor did not overwrite it; run it again.",
                              ) from None
        raise
