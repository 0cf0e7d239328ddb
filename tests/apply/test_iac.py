"""``advisor apply --iac``: SAM (YAML), Terraform (HCL) and CDK (Python) snippets that set the same
configuration as ``advisor apply``, checked by parsing each with a real parser, plus goldens."""

from __future__ import annotations

import ast
from typing import Any

import hcl2
import pytest
import yaml

from advisor.apply import iac
from advisor.apply.desired import Desired, from_options
from advisor.apply.scaling import scheduled_actions
from advisor.errors import UsageError
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.tune.keepwarm import KeepWarm

SCHEDULE = ProvisionedSchedule.parse("08:00-20:00=5,22:00-02:00=2,else=0")
SCHEDULED = Desired(2048, "arm64", KeepWarm("schedule", schedule=SCHEDULE))
PROVISIONED = Desired(1769, "x86_64", KeepWarm("provisioned", provisioned=3))
PINGS = Desired(1024, None, KeepWarm("pings", ping_interval_s=300.0, ping_concurrency=2))
ACTIONS = [(a.name, a.cron, a.count) for a in scheduled_actions(SCHEDULE, "live")]


def test_the_schedule_has_one_action_per_change():
    assert ACTIONS == [("advisor-live-0200", "cron(0 2 * * ? *)", 0), ("advisor-live-0800", "cron(0 8 * * ? *)", 5),
                       ("advisor-live-2000", "cron(0 20 * * ? *)", 0), ("advisor-live-2200", "cron(0 22 * * ? *)", 2)]


# -- SAM -----------------------------------------------------------------------------------------

def test_sam_sets_memory_architecture_the_alias_and_the_schedules_scalable_target():
    resources = yaml.safe_load(iac.render("sam", SCHEDULED, function="image-captioner", alias="live"))["Resources"]
    function = resources["ImageCaptioner"]
    assert function["Type"] == "AWS::Serverless::Function"
    assert function["Properties"] == {"FunctionName": "image-captioner", "MemorySize": 2048,
                                      "Architectures": ["arm64"], "AutoPublishAlias": "live"}
    target = resources["ImageCaptionerProvisionedSchedule"]
    assert target["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
    assert target["DependsOn"] == "ImageCaptionerAliaslive"  # SAM's logical id of the AutoPublishAlias
    properties = target["Properties"]
    assert properties["ResourceId"] == {"Fn::Sub": "function:${ImageCaptioner}:live"}
    assert (properties["ServiceNamespace"], properties["ScalableDimension"]) == (
        "lambda", "lambda:function:ProvisionedConcurrency")
    assert (properties["MinCapacity"], properties["MaxCapacity"]) == (0, 5)
    assert [(a["ScheduledActionName"], a["Schedule"], a["ScalableTargetAction"]["MinCapacity"])
            for a in properties["ScheduledActions"]] == ACTIONS
    assert {a["Timezone"] for a in properties["ScheduledActions"]} == {"Etc/UTC"}
    assert all(a["ScalableTargetAction"]["MinCapacity"] == a["ScalableTargetAction"]["MaxCapacity"]
               for a in properties["ScheduledActions"])


def test_sam_provisioned_and_pings():
    provisioned = yaml.safe_load(iac.render("sam", PROVISIONED, function="f", alias="prod"))["Resources"]
    assert provisioned["F"]["Properties"]["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 3}
    assert set(provisioned) == {"F"}
    pings = yaml.safe_load(iac.render("sam", PINGS, function="f", alias="prod"))["Resources"]["F"]["Properties"]
    events = pings["Events"]
    assert sorted(events) == ["WarmUp1", "WarmUp2"] and "Architectures" not in pings
    assert {e["Properties"]["ScheduleExpression"] for e in events.values()} == {"rate(5 minutes)"}
    assert events["WarmUp1"]["Properties"]["Input"] == '{"advisor-warmup": true}'


# -- Terraform -----------------------------------------------------------------------------------

def _resources(text: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(type, name) -> attributes, from python-hcl2's parse (which keeps the labels' quotes)."""
    found = {}
    for block in hcl2.loads(text)["resource"]:
        for kind, named in block.items():
            for name, attributes in named.items():
                found[(kind.strip('"'), name.strip('"'))] = attributes
    return found


def _value(attribute: Any) -> Any:
    return attribute.strip('"') if isinstance(attribute, str) else attribute


def test_terraform_sets_the_function_alias_target_and_one_scheduled_action_per_change():
    resources = _resources(iac.render("terraform", SCHEDULED, function="image-captioner", alias="live"))
    function = resources[("aws_lambda_function", "image_captioner")]
    assert (function["memory_size"], [_value(a) for a in function["architectures"]], function["publish"]) == (
        2048, ["arm64"], True)
    alias = resources[("aws_lambda_alias", "image_captioner_live")]
    assert _value(alias["name"]) == "live"
    assert "aws_lambda_function.image_captioner.version" in alias["function_version"]
    target = resources[("aws_appautoscaling_target", "image_captioner_live")]
    assert (_value(target["service_namespace"]), _value(target["scalable_dimension"])) == (
        "lambda", "lambda:function:ProvisionedConcurrency")
    assert (target["min_capacity"], target["max_capacity"]) == (0, 5)
    assert "aws_lambda_alias.image_captioner_live.name" in target["resource_id"]
    actions = [attrs for (kind, _), attrs in resources.items() if kind == "aws_appautoscaling_scheduled_action"]
    assert [(_value(a["name"]), _value(a["schedule"]), a["scalable_target_action"][0]["min_capacity"])
            for a in actions] == ACTIONS
    assert {_value(a["timezone"]) for a in actions} == {"Etc/UTC"}
    # each waits for the one before: Application Auto Scaling refuses concurrent changes of one target
    assert ["depends_on" in a for a in actions] == [False, True, True, True]
    assert ("aws_lambda_provisioned_concurrency_config", "image_captioner_live") not in resources


def test_terraform_provisioned_and_pings():
    provisioned = _resources(iac.render("terraform", PROVISIONED, function="f", alias="prod"))
    config = provisioned[("aws_lambda_provisioned_concurrency_config", "f_prod")]
    assert config["provisioned_concurrent_executions"] == 3
    assert "aws_lambda_alias.f_prod.name" in config["qualifier"]
    pings = _resources(iac.render("terraform", PINGS, function="f", alias="prod"))
    schedule = pings[("aws_scheduler_schedule", "f_prod_warmup")]
    assert schedule["count"] == 2 and _value(schedule["schedule_expression"]) == "rate(5 minutes)"
    assert "aws_lambda_alias.f_prod.arn" in schedule["target"][0]["arn"]


# -- CDK (Python) --------------------------------------------------------------------------------

def _calls(text: str) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)]


def _name(call: ast.Call) -> str:
    return ast.unparse(call.func)


def _keywords(call: ast.Call) -> dict[str, str]:
    return {k.arg: ast.unparse(k.value) for k in call.keywords if k.arg}


def test_cdk_is_python_that_sets_the_function_the_alias_and_its_scheduled_scaling():
    calls = _calls(iac.render("cdk", SCHEDULED, function="image-captioner", alias="live"))
    function = next(c for c in calls if _name(c) == "lambda_.Function")
    assert _keywords(function) == {"function_name": "'image-captioner'", "memory_size": "2048",
                                   "architecture": "lambda_.Architecture.ARM_64"}
    alias = next(c for c in calls if _name(c) == "lambda_.Alias")
    assert _keywords(alias) == {"alias_name": "'live'", "version": "function.current_version"}
    scaling = next(c for c in calls if _name(c) == "alias.add_auto_scaling")
    assert _keywords(scaling) == {"min_capacity": "0", "max_capacity": "5"}
    scheduled = [c for c in calls if _name(c) == "scaling.scale_on_schedule"]
    crons = [next(c for c in calls if _name(c) == "appscaling.Schedule.cron" and c in ast.walk(s)) for s in scheduled]
    assert [(ast.literal_eval(s.args[0]), _keywords(c), _keywords(s)["min_capacity"])
            for s, c in zip(scheduled, crons, strict=True)] == [
        (name, {"hour": repr(cron.split()[1]), "minute": repr(cron.split()[0][5:])}, str(count))
        for name, cron, count in ACTIONS]


def test_cdk_provisioned_and_pings():
    provisioned = _calls(iac.render("cdk", PROVISIONED, function="f", alias="prod"))
    alias = next(c for c in provisioned if _name(c) == "lambda_.Alias")
    assert _keywords(alias)["provisioned_concurrent_executions"] == "3"
    pings = _calls(iac.render("cdk", PINGS, function="f", alias="prod"))
    assert any(_name(c) == "events.Schedule.rate" for c in pings)
    assert "architecture" not in _keywords(next(c for c in pings if _name(c) == "lambda_.Function"))


# -- all ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", iac.KINDS)
def test_the_snippets_match_their_goldens(golden, kind):
    golden(f"apply_iac_{kind}.txt", iac.render(kind, SCHEDULED, function="image-captioner", alias="live"))


@pytest.mark.parametrize("kind", iac.KINDS)
def test_what_the_options_leave_unset_the_snippet_leaves_out(kind):
    text = iac.render(kind, from_options(memory_mb=3008), function="f", alias=None)
    assert "3008" in text and "arm64" not in text and "x86_64" not in text and "rovisioned" not in text
    assert iac.DEFAULT_ALIAS in text


def test_an_unknown_kind_is_refused_naming_the_kinds():
    with pytest.raises(UsageError, match="--iac 'pulumi' is not one of sam, terraform, cdk"):
        iac.render("pulumi", SCHEDULED, function="f", alias=None)
