"""The live state ``advisor apply`` reads, journals and restores: the function, its alias, and the
alias's provisioned concurrency and Application Auto Scaling target.

:func:`read_state` returns one JSON-able snapshot: the journal's ``original``, self-describing
(its ``restorer`` names :func:`advisor.apply.restore.restore_snapshot`) and holding the
endpoints it was read from, so that ``advisor restore`` in another process reaches the same
services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from advisor import aws
from advisor.apply import scaling
from advisor.platform.aws_lambda import DEFAULT_ARCH
from advisor.tune import iam

RESTORER: Final = "advisor.apply.restore:restore_snapshot"
#: The IAM actions of ``advisor apply``, named when access is denied.
PERMISSIONS: Final = iam.permissions_text("apply")
LAMBDA, SCALING = "lambda", "application-autoscaling"
#: A function's settings that a published version freezes, besides memory: where $LATEST and the
#: alias's version differ in one of these, publishing $LATEST would release that difference too.
RELEASED: Final = ("CodeSha256", "Handler", "Runtime", "Timeout", "Environment", "Layers", "Architectures",
                   "EphemeralStorage", "VpcConfig", "TracingConfig", "DeadLetterConfig", "KMSKeyArn",
                   "ImageConfigResponse", "SnapStart", "FileSystemConfigs", "LoggingConfig", "Role")


@dataclass(frozen=True)
class Clients:
    """The boto3 clients of one apply: Lambda and Application Auto Scaling."""

    lam: Any
    aas: Any

    @classmethod
    def connect(cls, *, region: str | None = None, profile: str | None = None,
                endpoint_url: str | None = None, endpoints: dict[str, str] | None = None,
                session: Any = None) -> Clients:
        """Clients for ``region``/``profile``; ``endpoint_url`` for both services, or ``endpoints`` per service.

        Raises:
            RemoteError: no region, or a profile that does not exist.
        """
        made = {}
        for service in (LAMBDA, SCALING):
            url = (endpoints or {}).get(service) or endpoint_url
            (made[service],) = aws.clients((service,), region=region, profile=profile, endpoint_url=url,
                                           session=session)
        return cls(made[LAMBDA], made[SCALING])

    def endpoints(self) -> dict[str, str]:
        """The endpoint each client calls (recorded in the journal)."""
        return {LAMBDA: self.lam.meta.endpoint_url, SCALING: self.aas.meta.endpoint_url}


class errors(aws.aws_errors):  # noqa: N801 - a context manager used like a function
    """AWS errors about ``function`` as advisor errors that name apply's permissions."""

    def __init__(self, function: str) -> None:
        super().__init__(f"function {function!r}", permissions=PERMISSIONS)


def read_state(clients: Clients, function: str, *, alias: str | None, run_id: str,
               connection: dict[str, Any]) -> dict[str, Any]:
    """The snapshot to journal: ``$LATEST``, every alias and provisioned concurrency config, and the
    named alias's version, provisioned concurrency, scalable target, scheduled actions and policies.

    Raises:
        NotFoundError: no such function; RemoteError: AWS refused.
    """
    lam = clients.lam
    with errors(function):
        conf, aliases, provisioned = aws.function_setup(lam, function)
    name = conf.get("FunctionName", function)
    mine = next((a for a in aliases if a["Name"] == alias), None)
    state: dict[str, Any] = {
        "kind": "aws-lambda-apply", "restorer": RESTORER, "run_id": run_id, "function": name,
        **connection, "region": connection.get("region") or lam.meta.region_name, "endpoints": clients.endpoints(),
        "memory_mb": conf.get("MemorySize"), "architecture": (conf.get("Architectures") or [DEFAULT_ARCH])[0],
        "revision_id": conf.get("RevisionId"), "package_type": conf.get("PackageType"),
        "code_sha256": conf.get("CodeSha256"), "layers": [layer["Arn"] for layer in conf.get("Layers") or []],
        "code": None,  # how to put the code back, when apply changes the architecture (advisor.apply.code)
        "aliases": [{"name": a["Name"], "version": a["FunctionVersion"],
                     "routing": (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights")} for a in aliases],
        "provisioned_concurrency": [{"qualifier": p["FunctionArn"].rsplit(":", 1)[-1],
                                     "requested": p.get("RequestedProvisionedConcurrentExecutions")}
                                    for p in provisioned],
        "alias": alias, "alias_version": mine["FunctionVersion"] if mine else None,
        "alias_memory_mb": None, "alias_released_differences": None,
        "alias_provisioned": None, "scalable_target": None, "scheduled_actions": [], "scaling_policies": [],
    }
    if alias is not None:
        state.update(_alias_state(clients, name, alias, conf, state))
    return state


def _alias_state(clients: Clients, function: str, alias: str, latest: dict[str, Any],
                 state: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    version = state["alias_version"]
    if version is not None:
        with errors(function):
            frozen = clients.lam.get_function_configuration(FunctionName=function, Qualifier=version)
        found["alias_memory_mb"] = frozen.get("MemorySize")
        found["alias_released_differences"] = [k for k in RELEASED if frozen.get(k) != latest.get(k)]
    found["alias_provisioned"] = next((p["requested"] for p in state["provisioned_concurrency"]
                                       if p["qualifier"] == alias), None)
    found.update(read_scaling(clients, function, alias))
    return found


def read_scaling(clients: Clients, function: str, alias: str) -> dict[str, Any]:
    """The alias's scalable target (min/max or None), its scheduled actions and its scaling policies' names."""
    aas, resource = clients.aas, scaling.resource_id(function, alias)
    where = {"ServiceNamespace": scaling.NAMESPACE, "ResourceIds": [resource],
             "ScalableDimension": scaling.DIMENSION}
    with errors(function):
        targets = aas.describe_scalable_targets(**where).get("ScalableTargets", [])
        actions = [a for page in aas.get_paginator("describe_scheduled_actions").paginate(
            ServiceNamespace=scaling.NAMESPACE, ResourceId=resource, ScalableDimension=scaling.DIMENSION)
            for a in page.get("ScheduledActions", [])]
        policies = [p for page in aas.get_paginator("describe_scaling_policies").paginate(
            ServiceNamespace=scaling.NAMESPACE, ResourceId=resource, ScalableDimension=scaling.DIMENSION)
            for p in page.get("ScalingPolicies", [])]
    target = targets[0] if targets else None
    return {
        "scalable_target": {"min": target["MinCapacity"], "max": target["MaxCapacity"]} if target else None,
        "scheduled_actions": [action_record(a) for a in actions],
        "scaling_policies": sorted(p["PolicyName"] for p in policies),
    }


def action_record(action: dict[str, Any]) -> dict[str, Any]:
    """A scheduled action as journaled: what ``put_scheduled_action`` needs to put it back."""
    target = action.get("ScalableTargetAction") or {}
    return {"name": action["ScheduledActionName"], "schedule": action["Schedule"],
            "timezone": action.get("Timezone"), "min": target.get("MinCapacity"), "max": target.get("MaxCapacity"),
            "start": _iso(action.get("StartTime")), "end": _iso(action.get("EndTime"))}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
