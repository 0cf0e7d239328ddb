"""The JSON shapes of Lambda's API answers (botocore's ``lambda/2015-03-31`` model names them)."""

from __future__ import annotations

import sys
from typing import Any

from advisor.targets.lambda_api.registry import LATEST, Alias, FunctionConfig, FunctionRegistry, Provisioned

RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
#: Lambda's default ephemeral storage (/tmp) in MB.
EPHEMERAL_STORAGE_MB = 512


def function_configuration(registry: FunctionRegistry, config: FunctionConfig, *, handler: str,
                           layers: list[str], updating: bool | None = None) -> dict[str, Any]:
    """``FunctionConfiguration``: what GetFunctionConfiguration, Update... and PublishVersion return.

    ``updating``: whether ``LastUpdateStatus`` is InProgress (default: ``$LATEST`` while its update runs).
    An image function's configuration has no ``Runtime`` or ``Handler`` (the image holds them), as on Lambda.
    """
    if updating is None:
        updating = config.version == LATEST and registry.updating()
    shape: dict[str, Any] = {
        "FunctionName": registry.name,
        "FunctionArn": registry.arn(None if config.version == LATEST else config.version),
        "Runtime": RUNTIME,
        "Role": f"arn:aws:iam::{registry.arn_prefix.split(':')[4]}:role/advisor-local",
        "Handler": handler,
        "CodeSize": config.code_size,
        "Description": config.description,
        "Timeout": config.timeout_s,
        "MemorySize": config.memory_mb,
        "LastModified": config.last_modified,
        "CodeSha256": config.code_sha256,
        "Version": config.version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": config.revision_id,
        "State": "Active",
        "LastUpdateStatus": "InProgress" if updating else "Successful",
        "PackageType": "Zip" if config.image is None else "Image",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": EPHEMERAL_STORAGE_MB},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": _logging(registry, config),
    }
    if config.image is not None:
        del shape["Runtime"], shape["Handler"]
    if updating:
        shape["LastUpdateStatusReason"] = "The function is being updated."
        shape["LastUpdateStatusReasonCode"] = "Updating"
    if layers:
        shape["Layers"] = [{"Arn": arn, "CodeSize": 0} for arn in layers]
    if config.variables:
        shape["Environment"] = {"Variables": dict(config.variables)}
    return shape


def _logging(registry: FunctionRegistry, config: FunctionConfig) -> dict[str, Any]:
    logging: dict[str, Any] = {"LogFormat": config.log_format, "LogGroup": f"/aws/lambda/{registry.name}"}
    if config.log_format == "JSON":
        logging.update(ApplicationLogLevel="INFO", SystemLogLevel="INFO")
    return logging


def alias_configuration(registry: FunctionRegistry, alias: Alias) -> dict[str, Any]:
    """``AliasConfiguration``."""
    shape: dict[str, Any] = {"AliasArn": registry.arn(alias.name), "Name": alias.name,
                             "FunctionVersion": alias.function_version, "Description": alias.description,
                             "RevisionId": alias.revision_id}
    if alias.weights:
        shape["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
    return shape


def provisioned_configuration(registry: FunctionRegistry, entry: Provisioned, *,
                              with_arn: bool = False) -> dict[str, Any]:
    """Get/PutProvisionedConcurrencyConfig's answer (with the ARN: a ListProvisionedConcurrencyConfigs item)."""
    shape: dict[str, Any] = {
        "RequestedProvisionedConcurrentExecutions": entry.requested,
        "AvailableProvisionedConcurrentExecutions": entry.allocated,
        "AllocatedProvisionedConcurrentExecutions": entry.allocated,
        "Status": entry.status,
        "LastModified": entry.last_modified,
    }
    if entry.reason:
        shape["StatusReason"] = entry.reason
    if with_arn:
        shape["FunctionArn"] = registry.arn(entry.qualifier)
    return shape


def page(items: list[dict[str, Any]], key: str, marker: str | None, max_items: str | None) -> dict[str, Any]:
    """A paginated list answer: ``{key: items[marker:marker+max], "NextMarker": ...}``."""
    start = int(marker) if marker and marker.isdigit() else 0
    size = int(max_items) if max_items and max_items.isdigit() and int(max_items) > 0 else 50
    shape: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        shape["NextMarker"] = str(start + size)
    return shape
