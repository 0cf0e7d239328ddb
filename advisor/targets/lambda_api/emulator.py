"""The emulated Lambda service of one handler: the operations behind the HTTP routes.

It ties the function's state (:mod:`.registry`), where its configurations run
(:mod:`.sandboxes`), invocations (:mod:`.invoker`) and faults (:mod:`.faults`) together,
and answers each API operation with its JSON shape (:mod:`.shapes`).
"""

from __future__ import annotations

import base64
import hashlib
import platform
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advisor.errors import TargetError, UsageError
from advisor.platform.aws_lambda import (
    DEFAULT_CONCURRENCY_QUOTA,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT_S,
    architecture_of,
    check_memory_mb,
    check_timeout_s,
)
from advisor.targets import lambda_log
from advisor.targets.lambda_api import errors, shapes
from advisor.targets.lambda_api.faults import Faults, Injector
from advisor.targets.lambda_api.invoker import Answer, Invoker
from advisor.targets.lambda_api.registry import LOG_FORMATS, FunctionConfig, FunctionRegistry, Provisioned
from advisor.targets.lambda_api.sandboxes import Sandboxes
from advisor.targets.local import DEFAULT_MAX_CONCURRENCY, DEFAULT_MEMORY_MB, check_handler
from advisor.targets.local import _default_name as default_name

#: The account id in the ARNs the emulator gives out (moto's, so ARNs look like test ARNs).
ACCOUNT = "123456789012"
#: What UpdateFunctionConfiguration may change here (anything else is refused, never dropped).
UPDATABLE = ("MemorySize", "Timeout", "Environment", "LoggingConfig", "Description", "RevisionId")


class Emulator:
    """A handler served as one Lambda function.

    Args:
        handler: ``path/to/file.py:func`` or ``package.module:func``.
        function_name: the function's name (default: from the handler, as ``advisor local`` names it).
        memory_mb, timeout_s, environment, log_format: ``$LATEST``'s configuration at start.
        region: the region in ARNs.
        keep_alive_s: an idle environment is stopped after this.
        max_concurrency: invocations at once (beyond: 429 TooManyRequestsException).
        update_delay_s: how long an update stays ``InProgress`` (waiters wait that long).
        faults: the faults to inject from the start.
        seed: for fault draws and alias routing.
        isolation: the local target's isolation (``auto``, ``cgroup``, ``none``).
        log_path: append every invocation's log lines here (``advisor import logs`` reads it).

    Raises:
        UsageError, NotFoundError: bad handler or settings.
    """

    def __init__(self, handler: str, *, function_name: str | None = None, memory_mb: int = DEFAULT_MEMORY_MB,
                 timeout_s: float = DEFAULT_TIMEOUT_S, environment: Mapping[str, str] | None = None,
                 log_format: str = "Text", region: str = DEFAULT_REGION, keep_alive_s: float = DEFAULT_KEEP_ALIVE_S,
                 max_concurrency: int = DEFAULT_MAX_CONCURRENCY, update_delay_s: float = 0.0,
                 faults: Faults | None = None, seed: int = 0, isolation: str = "auto",
                 log_path: Path | None = None) -> None:
        check_handler(handler)
        check_memory_mb(memory_mb)
        check_timeout_s(timeout_s)
        if timeout_s != int(timeout_s):
            raise UsageError(f"timeout {timeout_s:g}s is not whole seconds, as Lambda's timeout is",
                             hint="Give a whole number of seconds (--timeout 3).")
        if log_format not in LOG_FORMATS:
            raise UsageError(f"log format {log_format!r} is not one of {', '.join(LOG_FORMATS)}")
        self.handler = handler
        name = function_name or default_name(handler)
        try:
            self.registry = FunctionRegistry(
                name, f"arn:aws:lambda:{region}:{ACCOUNT}:function:", memory_mb=memory_mb, timeout_s=int(timeout_s),
                variables=environment, log_format=log_format, update_delay_s=update_delay_s, seed=seed)
        except errors.ApiError as exc:
            raise UsageError(exc.message) from None
        self.keep_alive_s = keep_alive_s
        self.sandboxes = Sandboxes(handler, name, keep_alive_s, max_concurrency, isolation)
        self.injector = Injector(faults or Faults(), seed)
        writer = lambda_log.LogWriter(log_path) if log_path is not None else None
        self.invoker = Invoker(self.registry, self.sandboxes, self.injector, max_concurrency=max_concurrency,
                               log=writer.write if writer is not None else None)
        self.architecture = architecture_of(platform.machine())
        self.code_sha256, self.code_size = _code(handler)

    @property
    def function_name(self) -> str:
        """The served function's name."""
        return self.registry.name

    # -- functions and versions ------------------------------------------------------------

    def configuration(self, qualifier: str | None) -> dict[str, Any]:
        """GetFunctionConfiguration."""
        return self._shape(self.registry.config(qualifier))

    def function(self, qualifier: str | None) -> dict[str, Any]:
        """GetFunction: the configuration and where the code is."""
        source = self.handler.rpartition(":")[0]
        location = Path(source).resolve().as_uri() if source.endswith(".py") else source
        return {"Configuration": self.configuration(qualifier), "Code": {"RepositoryType": "S3", "Location": location}}

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        """UpdateFunctionConfiguration (MemorySize, Timeout, Environment, LoggingConfig, Description).

        Raises:
            ApiError: a setting the emulator does not run with (Layers, VpcConfig...): refused, not dropped.
        """
        _only(body, UPDATABLE, "UpdateFunctionConfiguration")
        _only(body.get("LoggingConfig") or {}, ("LogFormat",), "UpdateFunctionConfiguration LoggingConfig")
        variables = body.get("Environment", {}).get("Variables") if "Environment" in body else None
        config = self.registry.update(
            memory_mb=body.get("MemorySize"), timeout_s=body.get("Timeout"),
            variables={} if "Environment" in body and variables is None else variables,
            log_format=body.get("LoggingConfig", {}).get("LogFormat"), description=body.get("Description"),
            revision_id=body.get("RevisionId"))
        return self._shape(config, updating=True)  # Lambda answers an update before it completes

    def publish(self, body: dict[str, Any]) -> dict[str, Any]:
        """PublishVersion."""
        _only(body, ("CodeSha256", "Description", "RevisionId"), "PublishVersion")
        sha = body.get("CodeSha256")
        if sha is not None and sha != self.code_sha256:
            raise errors.invalid_parameter(f"CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST "
                                           f"({self.code_sha256}). Please try again with the CodeSHA256 in $LATEST.")
        return self._shape(self.registry.publish(description=body.get("Description"),
                                                 revision_id=body.get("RevisionId")))

    def versions(self) -> list[dict[str, Any]]:
        """ListVersionsByFunction's items: ``$LATEST`` then the versions in order."""
        return [self._shape(config) for config in self.registry.all_configs()]

    def delete(self, qualifier: str | None) -> None:
        """DeleteFunction: the function (everything stops) or one version (its sandboxes stop)."""
        self.sandboxes.retire(self.registry.delete(qualifier))

    def invoke(self, qualifier: str | None, body: bytes, headers: Mapping[str, str]) -> Answer:
        """Invoke."""
        return self.invoker.invoke(qualifier, body, invocation_type=headers.get("X-Amz-Invocation-Type"),
                                   log_type=headers.get("X-Amz-Log-Type"))

    # -- aliases ----------------------------------------------------------------------------

    def create_alias(self, body: dict[str, Any]) -> dict[str, Any]:
        """CreateAlias."""
        alias = self.registry.create_alias(str(body.get("Name", "")), str(body.get("FunctionVersion", "")),
                                           body.get("Description", ""), _weights(body))
        return shapes.alias_configuration(self.registry, alias)

    def update_alias(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """UpdateAlias."""
        alias = self.registry.update_alias(name, version=body.get("FunctionVersion"),
                                           description=body.get("Description"),
                                           weights=_weights(body) if "RoutingConfig" in body else None,
                                           revision_id=body.get("RevisionId"))
        return shapes.alias_configuration(self.registry, alias)

    def aliases(self, version: str | None) -> list[dict[str, Any]]:
        """ListAliases' items, optionally only those of one version."""
        return [shapes.alias_configuration(self.registry, alias) for alias in self.registry.all_aliases()
                if version is None or alias.function_version == version]

    # -- provisioned concurrency --------------------------------------------------------------

    def provision(self, qualifier: str | None, requested: int) -> Provisioned:
        """PutProvisionedConcurrencyConfig: environments are started in the background (IN_PROGRESS,
        then READY once their init has run, or FAILED)."""
        if requested > self.invoker.max_concurrency:
            raise errors.invalid_parameter(
                f"Specified ConcurrentExecutions for function ({requested}) exceed the account's concurrency limit "
                f"({self.invoker.max_concurrency}); raise the server's --max-concurrency.")
        entry = self.registry.put_provisioned(qualifier, requested)
        threading.Thread(target=self._prewarm, args=(entry,), name="advisor-provision", daemon=True).start()
        return entry

    def _prewarm(self, entry: Provisioned) -> None:
        warm, reason = 0, None
        try:
            with self.sandboxes.lease(self.registry.config(entry.qualifier)) as sandbox:
                warm = sandbox.prewarm(entry.requested)
        except (TargetError, errors.ApiError) as exc:
            reason = f"FUNCTION_ERROR_INIT_FAILURE: {exc}"
        self.registry.settle_provisioned(entry, allocated=min(warm, entry.requested), reason=reason)

    def unprovision(self, qualifier: str | None) -> None:
        """DeleteProvisionedConcurrencyConfig: its environments expire as on-demand ones do."""
        self.registry.delete_provisioned(qualifier)
        with self.sandboxes.lease(self.registry.config(qualifier)) as sandbox:
            sandbox.unprovision(self.keep_alive_s)

    def account_settings(self) -> dict[str, Any]:
        """GetAccountSettings: the server's concurrency limit stands for the account's."""
        limit = self.invoker.max_concurrency
        return {"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                 "CodeSizeZipped": 52428800, "ConcurrentExecutions": limit,
                                 "UnreservedConcurrentExecutions": limit},
                "AccountUsage": {"TotalCodeSize": self.code_size, "FunctionCount": 0 if self.registry.deleted else 1}}

    # -- admin ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What the admin endpoint shows: faults, environments per configuration, limits, invocations."""
        return {"function": self.function_name, "faults": self.injector.faults.to_dict(),
                "environments": self.sandboxes.workers(), "limits": self.sandboxes.describe(),
                "account_concurrency_quota_on_aws": DEFAULT_CONCURRENCY_QUOTA,
                "invocations": len(self.invoker.history)}

    def close(self) -> None:
        """Stop every environment."""
        self.sandboxes.close()

    def _shape(self, config: FunctionConfig, *, updating: bool | None = None) -> dict[str, Any]:
        return shapes.function_configuration(self.registry, config, handler=self.handler,
                                             architecture=self.architecture, code_sha256=self.code_sha256,
                                             code_size=self.code_size, updating=updating)


def _only(body: dict[str, Any], known: tuple[str, ...], operation: str) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise errors.invalid_parameter(f"advisor local serve does not emulate {', '.join(unknown)} in {operation}; "
                                       f"it takes {', '.join(known)}")


def _weights(body: dict[str, Any]) -> dict[str, float]:
    routing = body.get("RoutingConfig") or {}
    return {str(k): float(v) for k, v in (routing.get("AdditionalVersionWeights") or {}).items()}


def _code(handler: str) -> tuple[str, int]:
    """CodeSha256 and CodeSize: of the handler's file, or of its spec for a module handler."""
    target = handler.rpartition(":")[0]
    data = Path(target).read_bytes() if target.endswith(".py") else handler.encode()
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii"), len(data)



def parse_variables(items: list[str] | None) -> dict[str, str]:
    """Environment variables from ``KEY=VALUE`` items (``--env``).

    Raises:
        UsageError: an item without ``=`` or with an empty key, named.
    """
    variables: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env {item!r} is not KEY=VALUE", hint="For example --env MODEL=small.")
        variables[key] = value
    return variables
