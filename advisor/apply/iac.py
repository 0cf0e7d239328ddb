"""``advisor apply --iac sam|terraform|cdk``: the snippet that sets the same configuration in code.

Each renderer writes the memory size, the architecture, an alias on a published version, and
the keep-warm setting: constant provisioned concurrency on the alias, or the schedule as an
Application Auto Scaling scalable target with one scheduled action per change (the same
actions as ``advisor apply`` puts, :func:`advisor.apply.scaling.scheduled_actions`), or the
warm-up pings as an EventBridge Scheduler schedule per concurrent ping (which needs a role the
snippet names as a parameter, and a handler that answers the ping event early). A part the
recommendation leaves unset (None) is left out. CDK is written in Python: advisor's users run
Python, and the snippet can be checked with Python's own parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Final

from advisor.apply import scaling
from advisor.apply.desired import Desired
from advisor.apply.plan import normalised
from advisor.errors import UsageError
from advisor.platform.aws_lambda import ARCHITECTURES
from advisor.tune.keepwarm import KeepWarm

KINDS: Final = ("sam", "terraform", "cdk")
#: The alias a snippet names when ``--alias`` is not given.
DEFAULT_ALIAS: Final = "live"
#: The event a warm-up ping sends; the handler should return at once when it sees it.
PING_EVENT: Final = {"advisor-warmup": True}
#: aws_cdk.aws_lambda.Architecture member of each of the platform's architectures, in its order.
_CDK_ARCH: Final = dict(zip(ARCHITECTURES, ("X86_64", "ARM_64"), strict=True))


def render(kind: str, desired: Desired, *, function: str, alias: str | None) -> str:
    """The ``kind`` snippet (``sam``, ``terraform`` or ``cdk``) that sets ``desired`` on ``function``.

    Raises:
        UsageError: an unknown kind.
    """
    renderers: dict[str, Callable[[Desired, str, str], str]] = {"sam": sam, "terraform": terraform, "cdk": cdk}
    if kind not in renderers:
        raise UsageError(f"--iac {kind!r} is not one of {', '.join(KINDS)}")
    return renderers[kind](desired, function, alias or DEFAULT_ALIAS)


def _header(tool: str, function: str, alias: str) -> str:
    return (f"advisor apply {function} --iac {tool}: merge into your own definition of {function}; "
            f"alias {alias} is the one your callers invoke")


def _actions(keep_warm: KeepWarm | None, alias: str) -> list[scaling.ScheduledAction]:
    if keep_warm is None or keep_warm.kind != "schedule":
        return []
    assert keep_warm.schedule is not None
    return scaling.scheduled_actions(keep_warm.schedule, alias)


def _rate(keep_warm: KeepWarm) -> str:
    assert keep_warm.ping_interval_s is not None
    minutes = max(1, int(keep_warm.ping_interval_s // 60))
    return f"rate({minutes} minute{'s' * (minutes != 1)})"


# -- SAM ------------------------------------------------------------------------------------------

def sam(desired: Desired, function: str, alias: str) -> str:
    """An AWS SAM template fragment (YAML, long-form intrinsics so any YAML parser reads it)."""
    keep_warm = normalised(desired.keep_warm)
    logical = logical_id(function)
    lines = [f"# {_header('sam', function, alias)}", "Resources:", f"  {logical}:",
             "    Type: AWS::Serverless::Function", "    Properties:", f"      FunctionName: {function}"]
    if desired.memory_mb is not None:
        lines.append(f"      MemorySize: {desired.memory_mb}")
    if desired.architecture is not None:
        lines.append(f"      Architectures: [{desired.architecture}]")
    lines.append(f"      AutoPublishAlias: {alias}")
    if keep_warm is not None and keep_warm.kind == "provisioned":
        lines += ["      ProvisionedConcurrencyConfig:",
                  f"        ProvisionedConcurrentExecutions: {keep_warm.provisioned}"]
    if keep_warm is not None and keep_warm.kind == "pings":
        lines += ["      Events:"]
        for index in range(keep_warm.ping_concurrency):
            lines += [f"        WarmUp{index + 1}:", "          Type: ScheduleV2", "          Properties:",
                      f"            ScheduleExpression: {_rate(keep_warm)}",
                      f"            Input: '{json.dumps(PING_EVENT)}'"]
    actions = _actions(keep_warm, alias)
    if actions:
        assert keep_warm is not None and keep_warm.schedule is not None
        lines += [f"  {logical}ProvisionedSchedule:", "    Type: AWS::ApplicationAutoScaling::ScalableTarget",
                  f"    DependsOn: {logical}Alias{_alphanumeric(alias)}", "    Properties:",
                  f"      ServiceNamespace: {scaling.NAMESPACE}",
                  f"      ScalableDimension: {scaling.DIMENSION}",
                  "      ResourceId:", f"        Fn::Sub: function:${{{logical}}}:{alias}",
                  "      MinCapacity: 0", f"      MaxCapacity: {max(keep_warm.schedule.peak, 1)}",
                  "      ScheduledActions:"]
        for action in actions:
            lines += [f"        - ScheduledActionName: {action.name}", f"          Schedule: {action.cron}",
                      f"          Timezone: {scaling.TIMEZONE}", "          ScalableTargetAction:",
                      f"            MinCapacity: {action.count}", f"            MaxCapacity: {action.count}"]
    return "\n".join(lines) + "\n"


# -- Terraform ------------------------------------------------------------------------------------

def terraform(desired: Desired, function: str, alias: str) -> str:
    """Terraform (HCL) for the AWS provider: the function's attributes and the resources around it."""
    keep_warm = normalised(desired.keep_warm)
    name = resource_name(function)
    alias_name = f"{name}_{resource_name(alias)}"
    blocks = [f"# {_header('terraform', function, alias)}"]
    attributes = [("function_name", _q(function))]
    if desired.memory_mb is not None:
        attributes.append(("memory_size", str(desired.memory_mb)))
    if desired.architecture is not None:
        attributes.append(("architectures", f"[{_q(desired.architecture)}]"))
    attributes.append(("publish", "true"))
    blocks.append(_block(f'resource "aws_lambda_function" "{name}"', attributes,
                         comment="# ... your role, runtime, handler and code, as they are ..."))
    blocks.append(_block(f'resource "aws_lambda_alias" "{alias_name}"', [
        ("name", _q(alias)), ("function_name", f"aws_lambda_function.{name}.function_name"),
        ("function_version", f"aws_lambda_function.{name}.version")]))
    if keep_warm is not None and keep_warm.kind == "provisioned":
        blocks.append(_block(f'resource "aws_lambda_provisioned_concurrency_config" "{alias_name}"', [
            ("function_name", f"aws_lambda_alias.{alias_name}.function_name"),
            ("qualifier", f"aws_lambda_alias.{alias_name}.name"),
            ("provisioned_concurrent_executions", str(keep_warm.provisioned))]))
    actions = _actions(keep_warm, alias)
    if actions:
        assert keep_warm is not None and keep_warm.schedule is not None
        blocks.append(_block(f'resource "aws_appautoscaling_target" "{alias_name}"', [
            ("service_namespace", _q(scaling.NAMESPACE)), ("scalable_dimension", _q(scaling.DIMENSION)),
            ("resource_id", f'"function:${{aws_lambda_function.{name}.function_name}}:'
                            f'${{aws_lambda_alias.{alias_name}.name}}"'),
            ("min_capacity", "0"), ("max_capacity", str(max(keep_warm.schedule.peak, 1)))]))
        previous = None
        for action in actions:
            label = f"{alias_name}_{action.hour:02d}{action.minute:02d}"
            target = f"aws_appautoscaling_target.{alias_name}"
            attributes = [
                ("name", _q(action.name)), ("service_namespace", f"{target}.service_namespace"),
                ("resource_id", f"{target}.resource_id"), ("scalable_dimension", f"{target}.scalable_dimension"),
                ("schedule", _q(action.cron)), ("timezone", _q(scaling.TIMEZONE))]
            if previous is not None:  # one at a time: Application Auto Scaling refuses concurrent updates
                attributes.append(("depends_on", f"[aws_appautoscaling_scheduled_action.{previous}]"))
            blocks.append(_block(f'resource "aws_appautoscaling_scheduled_action" "{label}"', attributes,
                                 inner=("scalable_target_action", [("min_capacity", str(action.count)),
                                                                   ("max_capacity", str(action.count))])))
            previous = label
    if keep_warm is not None and keep_warm.kind == "pings":
        blocks.append(_block('variable "warmup_scheduler_role_arn"', [
            ("type", "string"), ("description", _q("A role EventBridge Scheduler assumes to invoke the alias"))]))
        blocks.append(_block(f'resource "aws_scheduler_schedule" "{alias_name}_warmup"', [
            ("count", str(keep_warm.ping_concurrency)), ("name", f'"{function}-{alias}-warmup-${{count.index}}"'),
            ("schedule_expression", _q(_rate(keep_warm)))],
            inner=("flexible_time_window", [("mode", _q("OFF"))]),
            extra=("target", [("arn", f"aws_lambda_alias.{alias_name}.arn"),
                              ("role_arn", "var.warmup_scheduler_role_arn"),
                              ("input", f"jsonencode({_hcl_object(PING_EVENT)})")])))
    return "\n\n".join(blocks) + "\n"


def _block(header: str, attributes: list[tuple[str, str]], *, comment: str | None = None,
           inner: tuple[str, list[tuple[str, str]]] | None = None,
           extra: tuple[str, list[tuple[str, str]]] | None = None) -> str:
    width = max(len(key) for key, _ in attributes)
    lines = [f"{header} {{"]
    if comment:
        lines.append(f"  {comment}")
    lines += [f"  {key.ljust(width)} = {value}" for key, value in attributes]
    for nested in (inner, extra):
        if nested is not None:
            name, values = nested
            inner_width = max(len(key) for key, _ in values)
            lines += [f"  {name} {{", *(f"    {k.ljust(inner_width)} = {v}" for k, v in values), "  }"]
    return "\n".join([*lines, "}"])


def _q(text: str) -> str:
    return json.dumps(text)


def _hcl_object(values: dict[str, bool]) -> str:
    return "{ " + ", ".join(f"{_q(k)} = {str(v).lower()}" for k, v in values.items()) + " }"


# -- CDK (Python) ---------------------------------------------------------------------------------

def cdk(desired: Desired, function: str, alias: str) -> str:
    """AWS CDK v2 in Python: the function's properties, an alias, and its keep-warm, inside a Stack."""
    keep_warm = normalised(desired.keep_warm)
    logical = logical_id(function)
    imports = ["from aws_cdk import aws_lambda as lambda_"]
    if _actions(keep_warm, alias):
        imports.insert(0, "from aws_cdk import aws_applicationautoscaling as appscaling")
    if keep_warm is not None and keep_warm.kind == "pings":
        imports += ["from aws_cdk import Duration", "from aws_cdk import aws_events as events",
                    "from aws_cdk import aws_events_targets as targets"]
    properties = [f"    function_name={_q(function)},"]
    if desired.memory_mb is not None:
        properties.append(f"    memory_size={desired.memory_mb},")
    if desired.architecture is not None:
        properties.append(f"    architecture=lambda_.Architecture.{_CDK_ARCH[desired.architecture]},")
    lines = [f"# {_header('cdk', function, alias)}", "# (AWS CDK v2, Python; inside your Stack's __init__)",
             *sorted(imports), "", "function = lambda_.Function(", f"    self, {_q(logical)},",
             "    # ... runtime, handler and code, as you have them ...", *properties, ")"]
    provisioned = f"\n    provisioned_concurrent_executions={keep_warm.provisioned}," \
        if keep_warm is not None and keep_warm.kind == "provisioned" else ""
    lines += ["alias = lambda_.Alias(", f"    self, {_q(logical + 'Alias')},", f"    alias_name={_q(alias)},",
              f"    version=function.current_version,{provisioned}", ")"]
    actions = _actions(keep_warm, alias)
    if actions:
        assert keep_warm is not None and keep_warm.schedule is not None
        peak = max(keep_warm.schedule.peak, 1)
        lines.append(f"scaling = alias.add_auto_scaling(min_capacity=0, max_capacity={peak})")
        for action in actions:
            lines += ["scaling.scale_on_schedule(", f"    {_q(action.name)},",
                      f"    schedule=appscaling.Schedule.cron(hour={_q(str(action.hour))}, "
                      f"minute={_q(str(action.minute))}),",
                      f"    min_capacity={action.count},", f"    max_capacity={action.count},", ")"]
    if keep_warm is not None and keep_warm.kind == "pings":
        assert keep_warm.ping_interval_s is not None
        minutes = max(1, int(keep_warm.ping_interval_s // 60))
        lines += ["warmup = events.Rule(", f"    self, {_q(logical + 'WarmUp')},",
                  f"    schedule=events.Schedule.rate(Duration.minutes({minutes})),", ")",
                  f"for _ in range({keep_warm.ping_concurrency}):",
                  "    warmup.add_target(targets.LambdaFunction(",
                  f"        alias, event=events.RuleTargetInput.from_object({PING_EVENT!r})))"]
    return "\n".join(lines) + "\n"


def logical_id(function: str) -> str:
    """A CloudFormation logical id for ``function``: ``image-captioner`` -> ``ImageCaptioner``."""
    parts = re.split(r"[^A-Za-z0-9]+", function)
    name = "".join(part[:1].upper() + part[1:] for part in parts if part)
    return name if name[:1].isalpha() else f"Function{name}"


def _alphanumeric(text: str) -> str:
    """SAM's alias part of the alias's logical id (``<Function>Alias<alias>``)."""
    return re.sub(r"[^A-Za-z0-9]", "", text)


def resource_name(text: str) -> str:
    """A Terraform resource name: ``image-captioner`` -> ``image_captioner``."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return name if name[:1].isalpha() or name[:1] == "_" else f"fn_{name}"
