"""Undoing an apply: the journaled original put back, part by part, in the reverse order of the steps.

Only the parts the journal marks as changed are touched, and each goes back to its journaled
value: the alias's scheduled actions and scalable target, its provisioned concurrency, the
alias itself (to its original version, or deleted if apply created it), the versions apply
published (also those a kill kept out of the journal, found by their description),
``$LATEST``'s memory, and its code with its architecture (the original zip package kept beside
the journal, or the original image; its CodeSha256 checked afterwards).

A part someone else changed after the apply (the alias moved to a
version apply did not publish, ``$LATEST`` at another memory size) is left as it is, with a
note: a restore never overwrites a later deployment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advisor import aws
from advisor.apply.engine import VERSION_DESCRIPTION, current_provisioned, target_of
from advisor.apply.state import Clients, errors, read_scaling
from advisor.targets import lambda_code
from advisor.targets.aws import gone_or, versions_marked


def restore_snapshot(snapshot: dict[str, Any], created: dict[str, Any]) -> list[str]:
    """Put back what an apply changed (``advisor restore``, or in-process on an error); what was done.

    Raises:
        NotFoundError, RemoteError: AWS refused; TargetError: an update did not settle.
    """
    clients = Clients.connect(region=snapshot.get("region"), profile=snapshot.get("profile"),
                              endpoint_url=snapshot.get("endpoint_url"), endpoints=snapshot.get("endpoints"))
    return restore(clients, snapshot, created)


def restore(clients: Clients, original: dict[str, Any], created: dict[str, Any]) -> list[str]:
    """:func:`restore_snapshot` with the clients given."""
    function, alias = original["function"], original.get("alias")
    lines: list[str] = []
    with errors(function):
        if alias is not None and created.get("scaling_changed"):
            lines.extend(_restore_scaling(clients, original, created))
        if alias is not None and created.get("provisioned_changed"):
            lines.extend(_restore_provisioned(clients.lam, original))
        ours = sorted(set(created.get("versions") or []) | set(versions_marked(
            clients.lam, function, VERSION_DESCRIPTION.format(run_id=original["run_id"]))), key=int)
        if alias is not None and created.get("alias_changed"):
            lines.extend(_restore_alias(clients.lam, original, ours))
        for version in ours:
            lines.extend(_delete_version(clients.lam, function, version))
        if created.get("latest_changed"):
            lines.extend(_restore_memory(clients.lam, original, created.get("memory_mb")))
        if created.get("code_changed") and original.get("code"):
            lines.extend(lambda_code.restore_code(clients.lam, function, original["code"], created,
                                                  command="advisor apply"))
    return lines


def _restore_scaling(clients: Clients, original: dict[str, Any], created: dict[str, Any]) -> list[str]:
    aas, function, alias = clients.aas, original["function"], original["alias"]
    target = target_of(function, alias)
    now = read_scaling(clients, function, alias)
    before = original["scalable_target"]
    if before is None:
        if now["scalable_target"] is None:
            return []
        for action in now["scheduled_actions"]:  # deregistering deletes them on AWS; said, not assumed
            aas.delete_scheduled_action(**target, ScheduledActionName=action["name"])
        aas.deregister_scalable_target(**target)
        return [f"removed the scalable target of alias {alias} and its scheduled actions"]
    lines = []
    if now["scalable_target"] != before:
        aas.register_scalable_target(**target, MinCapacity=before["min"], MaxCapacity=before["max"])
        lines.append(f"put back the scalable target of alias {alias} ({before['min']}-{before['max']})")
    kept = {a["name"]: a for a in original["scheduled_actions"]}
    for action in now["scheduled_actions"]:
        if action["name"] not in kept and action["name"] in (created.get("actions") or []):
            aas.delete_scheduled_action(**target, ScheduledActionName=action["name"])
            lines.append(f"deleted scheduled action {action['name']}")
    current = {a["name"]: a for a in now["scheduled_actions"]}
    for name, action in kept.items():
        if current.get(name) != action:
            aas.put_scheduled_action(**target, **_put_arguments(action))
            lines.append(f"put back scheduled action {name} ({action['schedule']})")
    return lines


def _put_arguments(action: dict[str, Any]) -> dict[str, Any]:
    limits = {key: action[name] for key, name in (("MinCapacity", "min"), ("MaxCapacity", "max"))
              if action[name] is not None}
    arguments: dict[str, Any] = {"ScheduledActionName": action["name"], "Schedule": action["schedule"],
                                 "ScalableTargetAction": limits}
    for key, name in (("Timezone", "timezone"), ("StartTime", "start"), ("EndTime", "end")):
        if action.get(name) is not None:
            arguments[key] = datetime.fromisoformat(action[name]) if name != "timezone" else action[name]
    return arguments


def _restore_provisioned(lam: Any, original: dict[str, Any]) -> list[str]:
    function, alias = original["function"], original["alias"]
    before, now = original["alias_provisioned"], current_provisioned(lam, function, alias)
    if now == before:
        return []
    if before:
        lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier=alias,
                                               ProvisionedConcurrentExecutions=before)
        return [f"put back provisioned concurrency {before} on alias {alias} (was {now or 'none'})"]
    if not gone_or(lam.delete_provisioned_concurrency_config, FunctionName=function, Qualifier=alias):
        return []
    return [f"removed provisioned concurrency {now} from alias {alias}"]


def _restore_alias(lam: Any, original: dict[str, Any], ours: list[str]) -> list[str]:
    function, alias, before = original["function"], original["alias"], original["alias_version"]
    try:
        now = lam.get_alias(FunctionName=function, Name=alias)["FunctionVersion"]
    except Exception as exc:
        if aws.error_code(exc) not in aws.NOT_FOUND_CODES:
            raise
        now = None
    if now == before:
        return []
    if now is not None and now not in ours:
        return [f"note: alias {alias} now points to version {now}, which advisor apply did not publish; "
                f"left as it is (it pointed to {before or 'nothing: it did not exist'})"]
    if before is None:
        if now is None:
            return []
        lam.delete_alias(FunctionName=function, Name=alias)
        return [f"deleted alias {alias}, which advisor apply had created"]
    lam.update_alias(FunctionName=function, Name=alias, FunctionVersion=before)
    return [f"pointed alias {alias} back at version {before}"]


def _delete_version(lam: Any, function: str, version: str) -> list[str]:
    try:
        if gone_or(lam.delete_function, FunctionName=function, Qualifier=version):
            return [f"deleted version {version}, which advisor apply had published"]
    except Exception as exc:
        if aws.error_code(exc) != "ResourceConflictException":
            raise
        return [f"note: version {version} is still used by an alias; left as it is"]
    return []


def _restore_memory(lam: Any, original: dict[str, Any], applied: int | None) -> list[str]:
    function = original["function"]
    aws.wait(lam, "function_updated_v2", FunctionName=function)  # an update cut short by Ctrl-C ends first
    current = lam.get_function_configuration(FunctionName=function)
    if current.get("MemorySize") == original["memory_mb"]:
        return []
    if applied is not None and current.get("MemorySize") != applied:
        return [f"note: $LATEST's memory is now {current.get('MemorySize'):,} MB, not the {applied:,} MB advisor "
                f"apply set; left as it is (it was {original['memory_mb']:,} MB)"]
    revision = {"RevisionId": current["RevisionId"]} if current.get("RevisionId") else {}
    lam.update_function_configuration(FunctionName=function, MemorySize=original["memory_mb"], **revision)
    aws.wait(lam, "function_updated_v2", FunctionName=function)
    return [f"put back $LATEST's memory {original['memory_mb']:,} MB (was {current.get('MemorySize'):,} MB)"]
