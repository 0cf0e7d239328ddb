"""The emulated Lambda service of one handler: the operations behind the HTTP routes.

It ties the function's state (:mod:`.registry`), where its configurations run
(:mod:`.sandboxes`), invocations (:mod:`.invoker`) and faults (:mod:`.faults`) together,
and answers each API operation with its JSON shape (:mod:`.shapes`).
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import io
import platform
import threading
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from advisor.errors import TargetError, UsageError
from advisor.platform.aws_lambda import (
    ARCHITECTURES,
    DEFAULT_CONCURRENCY_QUOTA,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT_S,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_UPLOAD_BYTES,
    architecture_of,
    check_memory_mb,
    check_timeout_s,
    code_sha256,
)
from advisor.targets import lambda_log
from advisor.targets.lambda_api import errors, shapes
from advisor.targets.lambda_api.faults import Faults, Injector
from advisor.targets.lambda_api.images import Images
from advisor.targets.lambda_api.invoker import Answer, Invoker
from advisor.targets.lambda_api.registry import LOG_FORMATS, FunctionConfig, FunctionRegistry, Provisioned, timestamp
from advisor.targets.lambda_api.sandboxes import Sandboxes
from advisor.targets.local import DEFAULT_MAX_CONCURRENCY, DEFAULT_MEMORY_MB, check_handler
from advisor.targets.local import _default_name as default_name

#: The account id in the ARNs the emulator gives out (moto's, so ARNs look like test ARNs).
ACCOUNT = "123456789012"
#: What UpdateFunctionConfiguration may change here (anything else is refused, never dropped).
UPDATABLE = ("MemorySize", "Timeout", "Environment", "LoggingConfig", "Description", "RevisionId")
#: What UpdateFunctionCode may carry here (a zip package or an image; S3 objects are not emulated).
CODE_UPDATABLE = ("ZipFile", "ImageUri", "Architectures", "RevisionId")
#: Where the emulator serves a package (GetFunction's ``Code.Location``), by the hex SHA-256 of its bytes.
CODE_PATH = "/_advisor/code/"
#: The largest ZipFile request body Lambda takes: the package limit, base64-encoded.
MAX_CODE_REQUEST_BYTES = -(-MAX_ZIP_UPLOAD_BYTES // 3) * 4 + 3


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
        layers: the function's layers: each layer version's ARN and its CompatibleArchitectures
            (empty: it lists none), as GetLayerVersion answers.
        images: the container images the emulator knows (its ECR): ``REPO:TAG`` -> ``sha256:HEX``.
        image_uri: make the function an image function with this image (one of ``images``, by tag
            or by digest) at start.

    The code at start is a zip of the handler's source (GetFunction's ``Code.Location`` downloads
    it from the emulator), or with ``image_uri`` that image (GetFunction's ``Code.ImageUri`` and
    ``ResolvedImageUri``, CodeSha256 its digest). UpdateFunctionCode records the package or image
    and its architecture, with Lambda's CodeSha256, CodeSize and update rules, but the handler
    given here is what runs: the emulator runs no image.

    Raises:
        UsageError, NotFoundError: bad handler or settings.
    """

    def __init__(self, handler: str, *, function_name: str | None = None, memory_mb: int = DEFAULT_MEMORY_MB,
                 timeout_s: float = DEFAULT_TIMEOUT_S, environment: Mapping[str, str] | None = None,
                 log_format: str = "Text", region: str = DEFAULT_REGION, keep_alive_s: float = DEFAULT_KEEP_ALIVE_S,
                 max_concurrency: int = DEFAULT_MAX_CONCURRENCY, update_delay_s: float = 0.0,
                 faults: Faults | None = None, seed: int = 0, isolation: str = "auto",
                 log_path: Path | None = None, layers: Mapping[str, Sequence[str]] | None = None,
                 images: Mapping[str, str] | None = None, image_uri: str | None = None) -> None:
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
        self.layers = {arn: tuple(archs) for arn, archs in (layers or {}).items()}
        self.images = Images(images)
        try:
            image = self.images.resolve(image_uri) if image_uri is not None else None
            package = source_package(handler) if image is None else b""
            self.packages = {code_sha256(package): package} if image is None else {}
            self.registry = FunctionRegistry(
                name, f"arn:aws:lambda:{region}:{ACCOUNT}:function:", memory_mb=memory_mb, timeout_s=int(timeout_s),
                variables=environment, log_format=log_format,
                code_sha256=code_sha256(package) if image is None else image.code_sha256,
                code_size=len(package), architecture=architecture_of(platform.machine()), image=image,
                update_delay_s=update_delay_s, seed=seed)
        except errors.ApiError as exc:
            raise UsageError(exc.message, hint="Name one of the images given (--image URI=DIGEST), by tag or "
                                               "digest." if image_uri is not None else None) from None
        self.keep_alive_s = keep_alive_s
        self.sandboxes = Sandboxes(handler, name, keep_alive_s, max_concurrency, isolation)
        self.injector = Injector(faults or Faults(), seed)
        writer = lambda_log.LogWriter(log_path) if log_path is not None else None
        self.invoker = Invoker(self.registry, self.sandboxes, self.injector, max_concurrency=max_concurrency,
                               log=writer.write if writer is not None else None)

    @property
    def function_name(self) -> str:
        """The served function's name."""
        return self.registry.name

    # -- functions and versions ------------------------------------------------------------

    def configuration(self, qualifier: str | None) -> dict[str, Any]:
        """GetFunctionConfiguration."""
        return self._shape(self.registry.config(qualifier))

    def function(self, qualifier: str | None, base_url: str) -> dict[str, Any]:
        """GetFunction: the configuration and the code: its image, or where to download its package (served
        under ``base_url``)."""
        config = self.registry.config(qualifier)
        if config.image is not None:
            return {"Configuration": self._shape(config), "Code": {
                "RepositoryType": "ECR", "ImageUri": config.image.uri, "ResolvedImageUri": config.image.resolved}}
        location = f"{base_url}{CODE_PATH}{base64.b64decode(config.code_sha256).hex()}"
        return {"Configuration": self._shape(config), "Code": {"RepositoryType": "S3", "Location": location}}

    def package(self, hex_digest: str) -> bytes:
        """The package a ``Code.Location`` names (404 when the emulator never had it)."""
        try:
            sha = base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")
        except ValueError:
            sha = ""
        if sha not in self.packages:
            raise errors.not_found(f"no package {hex_digest}")
        return self.packages[sha]

    def update_code(self, body: dict[str, Any]) -> dict[str, Any]:
        """UpdateFunctionCode with a ZipFile (base64 in the body, as botocore sends it), or an ImageUri for
        an image function, and Architectures.

        Raises:
            ApiError: no ZipFile, an ImageUri for this zip function (or no ImageUri for an image function),
                a package Lambda cannot unzip or over its limits, an image the emulator does not know, an
                architecture Lambda does not have; S3 sources: not emulated.
        """
        _only(body, CODE_UPDATABLE, "UpdateFunctionCode")
        if self.registry.config(None).image is not None:
            return self._update_image(body)
        if "ImageUri" in body:
            raise errors.invalid_parameter("Please don't provide ImageUri when updating a function with packageType "
                                           "Zip.")
        package = _zip_file(body.get("ZipFile"))
        architecture = _architecture(body.get("Architectures"))
        sha = code_sha256(package)
        config = self.registry.update_code(code_sha256=sha, code_size=len(package), architecture=architecture,
                                           revision_id=body.get("RevisionId"))
        self.packages[sha] = package
        return self._shape(config, updating=True)

    def _update_image(self, body: dict[str, Any]) -> dict[str, Any]:
        if "ImageUri" not in body or "ZipFile" in body:
            raise errors.invalid_parameter("Please provide ImageUri when updating a function with packageType "
                                           "Image.")
        architecture = _architecture(body.get("Architectures"))
        image = self.images.resolve(body["ImageUri"])
        config = self.registry.update_code(code_sha256=image.code_sha256, code_size=0, architecture=architecture,
                                           image=image, revision_id=body.get("RevisionId"))
        return self._shape(config, updating=True)

    def layer_version(self, name: str, number: str) -> dict[str, Any]:
        """GetLayerVersion of one of the function's layers (by name or layer ARN, and version number)."""
        for arn, architectures in self.layers.items():
            layer_arn, _, version = arn.rpartition(":")
            if version == number and name in (layer_arn, layer_arn.rpartition(":")[2]):
                shape: dict[str, Any] = {"LayerArn": layer_arn, "LayerVersionArn": arn, "Version": int(version),
                                         "Description": "", "CreatedDate": timestamp(),
                                         "Content": {"CodeSha256": "", "CodeSize": 0}}
                if architectures:
                    shape["CompatibleArchitectures"] = list(architectures)
                return shape
        raise errors.not_found(f"The resource you requested does not exist. (layer {name} version {number})")

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
        sha, current = body.get("CodeSha256"), self.registry.config(None).code_sha256
        if sha is not None and sha != current:
            raise errors.invalid_parameter(f"CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST "
                                           f"({current}). Please try again with the CodeSHA256 in $LATEST.")
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
        return {"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": MAX_UNZIPPED_BYTES,
                                 "CodeSizeZipped": MAX_ZIP_UPLOAD_BYTES, "ConcurrentExecutions": limit,
                                 "UnreservedConcurrentExecutions": limit},
                "AccountUsage": {"TotalCodeSize": sum(map(len, self.packages.values())),
                                 "FunctionCount": 0 if self.registry.deleted else 1}}

    # -- admin ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What the admin endpoint shows: faults, environments per configuration, limits, invocations."""
        return {"function": self.function_name, "faults": self.injector.faults.to_dict(),
                "environments": self.sandboxes.workers(), "limits": self.sandboxes.describe(),
                "account_concurrency_quota_on_aws": DEFAULT_CONCURRENCY_QUOTA,
                "invocations": len(self.invoker.history)}

    def describe(self) -> dict[str, Any]:
        """How invocations are measured here (CPU and memory limits), as :meth:`LocalTarget.describe` says."""
        with self.sandboxes.lease(self.registry.config(None)) as sandbox:
            return sandbox.describe()

    def close(self) -> None:
        """Stop every environment."""
        self.sandboxes.close()

    def _shape(self, config: FunctionConfig, *, updating: bool | None = None) -> dict[str, Any]:
        return shapes.function_configuration(self.registry, config, handler=self.handler, layers=list(self.layers),
                                             updating=updating)


def _only(body: dict[str, Any], known: tuple[str, ...], operation: str) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise errors.invalid_parameter(f"advisor local serve does not emulate {', '.join(unknown)} in {operation}; "
                                       f"it takes {', '.join(known)}")


def _weights(body: dict[str, Any]) -> dict[str, float]:
    routing = body.get("RoutingConfig") or {}
    return {str(k): float(v) for k, v in (routing.get("AdditionalVersionWeights") or {}).items()}


def source_package(handler: str) -> bytes:
    """The handler's source as a zip package: its file (or its module's), byte for byte the same each time."""
    target = handler.rpartition(":")[0]
    path = Path(target) if target.endswith(".py") else _module_file(target)
    name, data = (path.name, path.read_bytes()) if path is not None else ("handler.txt", handler.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _module_file(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.has_location else None


def _zip_file(encoded: Any) -> bytes:
    if not isinstance(encoded, str) or not encoded:
        raise errors.invalid_parameter("Please provide a source for function code: ZipFile (the function is a zip "
                                       "package; advisor local serve --image-uri serves an image function).")
    if len(encoded) > MAX_CODE_REQUEST_BYTES:
        raise errors.request_entity_too_large(f"Request must be smaller than {MAX_CODE_REQUEST_BYTES} bytes for the "
                                              "UpdateFunctionCode operation")
    try:
        package = base64.b64decode(encoded, validate=True)
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            unzipped = sum(m.file_size for m in archive.infolist())
    except (binascii.Error, zipfile.BadZipFile, ValueError):
        raise errors.invalid_parameter("Could not unzip uploaded file. Please check your file, then try to upload "
                                       "again.") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise errors.invalid_parameter(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")
    return package


def _listed(value: Any) -> str:
    """A list as Lambda's validation messages write it: ``[x86_64, arm64]``."""
    return f"[{', '.join(map(str, value))}]" if isinstance(value, list) else str(value)


def _architecture(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 1:
        raise errors.validation(f"1 validation error detected: Value '{_listed(value)}' at 'architectures' failed "
                                "to satisfy constraint: Member must have length less than or equal to 1")
    if value[0] not in ARCHITECTURES:
        raise errors.validation(f"1 validation error detected: Value '{_listed(value)}' at 'architectures' failed "
                                "to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum "
                                f"value set: {_listed(list(ARCHITECTURES))}]")
    return str(value[0])



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
