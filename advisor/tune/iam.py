"""Least-privilege IAM policies: what ``advisor tune``, ``advisor apply`` and ``advisor import cloudwatch`` call.

One place lists the AWS API operations each command makes (as botocore names them); the IAM
actions and the policy documents are derived from it. ``tests/tune/test_iam.py`` records the
operations botocore really sends during the end-to-end tests of the AWS target and of the
CloudWatch import, and fails when one is missing here, so the policy cannot drift from the code.
"""

from __future__ import annotations

import json
from typing import Any, Final

#: botocore operation -> IAM action, where the two names differ.
_ACTION_OF: Final = {"Invoke": "InvokeFunction"}

#: The API operations of each command, by service (botocore's names).
OPERATIONS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "tune": {
        "lambda": (
            "GetFunctionConfiguration",        # read the configuration; restore compares with it
            "GetFunction",                     # the function_updated_v2 waiter; the code (--arch)
            "ListAliases",                     # journal the callers' aliases
            "ListProvisionedConcurrencyConfigs",  # journal provisioned concurrency
            "UpdateFunctionConfiguration",     # memory size and the nonce variable; restore
            "UpdateFunctionCode",              # --arch: the other architecture, with the same package; restore
            "GetLayerVersion",                 # --arch: a layer's architectures
            "PublishVersion",                  # one version per configuration
            "ListVersionsByFunction",          # restore finds every version of the run
            "CreateAlias", "UpdateAlias", "DeleteAlias",  # the temporary alias
            "DeleteFunction",                  # with a Qualifier: deletes a version of the run only
            "Invoke",                          # through the temporary alias, LogType=Tail
        ),
    },
    "apply": {
        "lambda": (
            "GetFunctionConfiguration",        # $LATEST and the alias's version; restore compares with it
            "GetFunction",                     # the function_updated_v2 waiter; the code to re-upload
            "ListAliases", "ListProvisionedConcurrencyConfigs",  # journal the original
            "UpdateFunctionConfiguration",     # the memory size; restore
            "UpdateFunctionCode",              # the architecture, with the code; restore
            "GetLayerVersion",                 # a layer's architectures, before the architecture changes
            "PublishVersion", "ListVersionsByFunction",  # the version the alias gets; restore finds it
            "GetAlias", "CreateAlias", "UpdateAlias", "DeleteAlias",  # the alias named by --alias; restore
            "DeleteFunction",                  # with a Qualifier: restore deletes the version apply published
            "GetProvisionedConcurrencyConfig", "PutProvisionedConcurrencyConfig",
            "DeleteProvisionedConcurrencyConfig",  # provisioned concurrency on the alias
        ),
        "application-autoscaling": (
            "DescribeScalableTargets", "DescribeScheduledActions", "DescribeScalingPolicies",  # journal
            "RegisterScalableTarget", "DeregisterScalableTarget",  # the alias as a scalable target
            "PutScheduledAction", "DeleteScheduledAction",  # the schedule's changes
        ),
    },
    "import": {
        "lambda": ("GetFunctionConfiguration",),
        "logs": ("FilterLogEvents", "StartQuery", "GetQueryResults"),
    },
}
KINDS: Final = tuple(OPERATIONS)
#: Granted on versions only (``function:NAME:*``), so the policy cannot delete the function.
DELETE_VERSION: Final = "lambda:DeleteFunction"
#: Granted on layer versions (of any account: public layers are other accounts'), read only.
GET_LAYER: Final = "lambda:GetLayerVersion"
#: Application Auto Scaling makes the service-linked role for Lambda the first time a scalable
#: target of Lambda is registered in an account; only that role may be created.
LINKED_ROLE_SERVICE: Final = "lambda.application-autoscaling.amazonaws.com"


def actions(kind: str) -> list[str]:
    """The IAM actions of ``kind`` (``tune`` or ``import``), ``service:Action``, sorted.

    Raises:
        KeyError: an unknown kind (the CLI checks it first).
    """
    return sorted(f"{service}:{_ACTION_OF.get(op, op)}"
                  for service, operations in OPERATIONS[kind].items() for op in operations)


def permissions_text(kind: str) -> str:
    """The actions of ``kind`` as one phrase for error hints ("a, b and c")."""
    names = actions(kind)
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def policy(kind: str, *, function: str = "*", region: str = "*", account: str = "*") -> dict[str, Any]:
    """The IAM policy document that lets ``kind`` run on ``function`` and nothing else.

    Lambda actions are limited to the function and its versions and aliases; CloudWatch Logs
    actions to its log group, except ``logs:GetQueryResults``, which has no resource type.
    Application Auto Scaling's actions are granted on ``*`` (its scalable targets have no ARN a
    policy can name before they exist), with ``iam:CreateServiceLinkedRole`` for its Lambda role only.

    Args:
        kind: ``tune``, ``apply`` or ``import``.
        function: The function name (``*``: any).
        region: The region (``*``: any).
        account: The account id (``*``: any).
    """
    function_arn = f"arn:aws:lambda:{region}:{account}:function:{function}"
    log_group_arn = f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{function}"
    statements: list[dict[str, Any]] = []
    lambda_actions = [a for a in actions(kind) if a.startswith("lambda:") and a not in (DELETE_VERSION, GET_LAYER)]
    if lambda_actions:
        statements.append({"Sid": "AdvisorLambda", "Effect": "Allow", "Action": lambda_actions,
                           "Resource": [function_arn, f"{function_arn}:*"]})
    if DELETE_VERSION in actions(kind):  # qualified ARNs only: a version, never the function itself
        statements.append({"Sid": "AdvisorDeleteOwnVersions", "Effect": "Allow", "Action": [DELETE_VERSION],
                           "Resource": [f"{function_arn}:*"]})
    if GET_LAYER in actions(kind):  # the function's layers, whatever account published them
        statements.append({"Sid": "AdvisorReadLayers", "Effect": "Allow", "Action": [GET_LAYER],
                           "Resource": [f"arn:aws:lambda:{region}:*:layer:*:*"]})
    logs_actions = [a for a in actions(kind) if a.startswith("logs:")]
    scoped = [a for a in logs_actions if a != "logs:GetQueryResults"]
    if scoped:
        statements.append({"Sid": "AdvisorLogs", "Effect": "Allow", "Action": scoped,
                           "Resource": [log_group_arn, f"{log_group_arn}:*"]})
    if "logs:GetQueryResults" in logs_actions:
        statements.append({"Sid": "AdvisorLogsQueryResults", "Effect": "Allow",
                           "Action": ["logs:GetQueryResults"], "Resource": "*"})
    scaling = [a for a in actions(kind) if a.startswith("application-autoscaling:")]
    if scaling:
        statements.append({"Sid": "AdvisorProvisionedSchedule", "Effect": "Allow", "Action": scaling,
                           "Resource": "*"})
        statements.append({"Sid": "AdvisorScalingRole", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"],
                           "Resource": f"arn:aws:iam::{account}:role/aws-service-role/{LINKED_ROLE_SERVICE}/*",
                           "Condition": {"StringLike": {"iam:AWSServiceName": LINKED_ROLE_SERVICE}}})
    return {"Version": "2012-10-17", "Statement": statements}


def policy_json(kind: str, **scope: str) -> str:
    """:func:`policy` as indented JSON text."""
    return json.dumps(policy(kind, **scope), indent=2)
