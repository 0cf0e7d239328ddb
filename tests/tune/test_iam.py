"""``advisor iam-policy``: valid policies, built from operations botocore really has."""

from __future__ import annotations

import json

import botocore.session
import pytest

from advisor.tune.iam import KINDS, OPERATIONS, actions, policy


@pytest.mark.parametrize("kind", KINDS)
def test_every_listed_operation_exists_in_botocores_model_of_its_service(kind):
    session = botocore.session.get_session()
    for service, operations in OPERATIONS[kind].items():
        model = session.get_service_model(service)
        assert set(operations) <= set(model.operation_names), service


def test_the_tune_policy_can_delete_versions_but_never_the_function_itself():
    document = policy("tune", function="captioner", region="eu-west-1", account="123456789012")
    function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:captioner"
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert by_sid["AdvisorDeleteOwnVersions"]["Action"] == ["lambda:DeleteFunction"]
    assert by_sid["AdvisorDeleteOwnVersions"]["Resource"] == [f"{function_arn}:*"]
    assert "lambda:DeleteFunction" not in by_sid["AdvisorLambda"]["Action"]
    assert by_sid["AdvisorLambda"]["Resource"] == [function_arn, f"{function_arn}:*"]
    granted = sorted(a for s in document["Statement"] for a in s["Action"])
    assert granted == actions("tune") and "lambda:InvokeFunction" in granted


def test_the_import_policy_scopes_logs_to_the_functions_log_group():
    document = policy("import", function="captioner")
    logs = next(s for s in document["Statement"] if s["Sid"] == "AdvisorLogs")
    assert logs["Resource"] == ["arn:aws:logs:*:*:log-group:/aws/lambda/captioner",
                                "arn:aws:logs:*:*:log-group:/aws/lambda/captioner:*"]
    assert not any("lambda:Update" in a or "lambda:Invoke" in a for s in document["Statement"] for a in s["Action"])


@pytest.mark.parametrize("kind", KINDS)
def test_the_cli_prints_the_policy_as_json(cli, kind):
    result = cli("iam-policy", kind, "--function", "captioner", "--region", "us-east-1")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == policy(kind, function="captioner", region="us-east-1")


def test_an_unknown_policy_kind_is_one_line_naming_the_kinds(cli):
    result = cli("iam-policy", "deploy")
    assert result.exit_code == 2 and result.stderr.strip() == "error: iam-policy 'deploy' is not one of tune, apply, import"
