"""The served function's state: ``$LATEST``, published versions, aliases, provisioned concurrency.

It keeps Lambda's rules for them, so that a client that works against it works against
Lambda: every configuration has its own ``RevisionId`` (a stale one given back is a
PreconditionFailedException); an update stays ``InProgress`` for ``update_delay_s`` (a second
update or a publish meanwhile is a ResourceConflictException, invokes keep the configuration
from before it) and its configuration gets another ``RevisionId`` when it completes; a
published version freezes ``$LATEST``'s configuration, and publishing an unchanged
``$LATEST`` returns the last version; a version an alias points to cannot be deleted;
provisioned concurrency goes on a version or an alias, never on ``$LATEST``.

Thread-safe: every method takes the registry's lock. Times come from ``clock`` (monotonic s).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from advisor.platform.aws_lambda import DEFAULT_ARCH, MAX_MEMORY_MB, MAX_TIMEOUT_S, MIN_MEMORY_MB
from advisor.targets.lambda_api import errors
from advisor.targets.lambda_api.images import Image

LATEST = "$LATEST"
LOG_FORMATS = ("Text", "JSON")
#: Variables Lambda sets itself; a function may not set them (InvalidParameterValueException).
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
#: Provisioned concurrency statuses.
IN_PROGRESS, READY, FAILED = "IN_PROGRESS", "READY", "FAILED"


def timestamp(moment: datetime | None = None) -> str:
    """Lambda's ``LastModified`` format: ``2024-05-01T12:00:00.000+0000``."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class FunctionConfig:
    """One configuration: ``$LATEST``'s now, or the one a published version froze.

    Each has its own ``revision_id``; the sandboxes that run it are keyed by it, so any
    change gives fresh sandboxes (a cold start), as on Lambda.
    """

    version: str
    memory_mb: int
    timeout_s: int
    variables: Mapping[str, str]
    log_format: str
    description: str = ""
    code_sha256: str = ""
    code_size: int = 0
    architecture: str = DEFAULT_ARCH
    image: Image | None = None  # an image function's image (its code_sha256 is the digest's hex)
    revision_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    last_modified: str = field(default_factory=timestamp)

    def settings(self) -> tuple[Any, ...]:
        """What a publish compares: a version is new only when these differ from the last one's."""
        return (self.memory_mb, self.timeout_s, tuple(sorted(self.variables.items())), self.log_format,
                self.code_sha256, self.architecture)


@dataclass(frozen=True)
class Alias:
    """An alias: a name for a version, with optional weighted routing to a second one."""

    name: str
    function_version: str
    description: str = ""
    weights: Mapping[str, float] = field(default_factory=dict)
    revision_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Provisioned:
    """A provisioned concurrency configuration on a version or an alias."""

    qualifier: str
    requested: int
    status: str = IN_PROGRESS
    reason: str | None = None
    allocated: int = 0
    last_modified: str = field(default_factory=timestamp)


class FunctionRegistry:
    """The one function a server serves, with Lambda's rules for changing it.

    Args:
        name: the function name.
        arn_prefix: ``arn:aws:lambda:REGION:ACCOUNT:function:`` (the name and qualifier follow).
        memory_mb, timeout_s, variables, log_format: ``$LATEST``'s configuration at start.
        code_sha256, code_size, architecture: ``$LATEST``'s code at start.
        image: the image of an image function at start (None: a zip function).
        update_delay_s: how long an update stays ``InProgress``.
        clock: monotonic seconds (tests pass their own).
        seed: for weighted alias routing.
    """

    def __init__(self, name: str, arn_prefix: str, *, memory_mb: int, timeout_s: int,
                 variables: Mapping[str, str] | None = None, log_format: str = "Text",
                 code_sha256: str = "", code_size: int = 0, architecture: str = DEFAULT_ARCH,
                 image: Image | None = None, update_delay_s: float = 0.0, clock: Callable[[], float] = time.monotonic,
                 seed: int = 0) -> None:
        self.name, self.arn_prefix = name, arn_prefix
        self.update_delay_s, self._clock = update_delay_s, clock
        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self.latest = _checked(FunctionConfig(LATEST, memory_mb, timeout_s, dict(variables or {}), log_format,
                                              code_sha256=code_sha256, code_size=code_size,
                                              architecture=architecture, image=image))
        self._before_update: FunctionConfig | None = None
        self._update_done_at = 0.0
        self.versions: dict[str, FunctionConfig] = {}
        self._next_version = 1
        self.aliases: dict[str, Alias] = {}
        self.provisioned: dict[str, Provisioned] = {}
        self.deleted = False

    # -- names ------------------------------------------------------------------------

    def arn(self, qualifier: str | None = None) -> str:
        """The function's ARN, qualified when ``qualifier`` is given."""
        return f"{self.arn_prefix}{self.name}" + (f":{qualifier}" if qualifier else "")

    def check(self, name: str, qualifier: str | None) -> str | None:
        """The qualifier a call names, from ``name`` (name, ARN or ``name:qualifier``) and the query.

        Raises:
            ApiError: another function (404), or two different qualifiers (400).
        """
        function, derived = _split_name(name)
        if function != self.name or self.deleted:
            raise errors.not_found(f"Function not found: {self.arn_prefix}{function}")
        if derived and qualifier and derived != qualifier:
            raise errors.invalid_parameter("The derived qualifier from the function name does not match "
                                           "the specified qualifier.")
        return derived or qualifier

    # -- configuration ------------------------------------------------------------------

    def updating(self) -> bool:
        """Whether the last update of ``$LATEST`` is still in progress."""
        with self._locked():
            return self._before_update is not None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The registry's lock, with an update whose time is up completed first."""
        with self._lock:
            if self._before_update is not None and self._clock() >= self._update_done_at:
                # As on Lambda, the configuration gets another RevisionId when its update completes.
                self.latest = replace(self.latest, revision_id=str(uuid.uuid4()))
                self._before_update = None
            yield

    def config(self, qualifier: str | None) -> FunctionConfig:
        """The configuration of ``$LATEST``, a version or an alias's version (as the API shows it)."""
        with self._locked():
            if qualifier in (None, LATEST):
                return self.latest
            if qualifier in self.versions:
                return self.versions[qualifier]
            if qualifier in self.aliases:
                return self.config(self.aliases[qualifier].function_version)
            raise errors.not_found(f"Function not found: {self.arn(qualifier)}")

    def all_configs(self) -> list[FunctionConfig]:
        """``$LATEST`` then every version, in order (ListVersionsByFunction)."""
        with self._locked():
            return [self.latest, *self.versions.values()]

    def all_aliases(self) -> list[Alias]:
        """Every alias, in the order they were made (ListAliases)."""
        with self._locked():
            return list(self.aliases.values())

    def all_provisioned(self) -> list[Provisioned]:
        """Every provisioned concurrency configuration (ListProvisionedConcurrencyConfigs)."""
        with self._locked():
            return list(self.provisioned.values())

    def for_invoke(self, qualifier: str | None) -> FunctionConfig:
        """The configuration an invocation runs: an update in progress is not live yet, and an
        alias with routing weights picks its additional version with that probability."""
        with self._locked():
            if qualifier in (None, LATEST):
                return self._before_update or self.latest
            alias = self.aliases.get(qualifier or "")
            if alias is None:
                return self.config(qualifier)
            draw, version = self._random.random(), alias.function_version
            for other, weight in alias.weights.items():
                if draw < weight:
                    version = other
                    break
                draw -= weight
            return self.for_invoke(version)

    def update(self, *, memory_mb: int | None = None, timeout_s: int | None = None,
               variables: Mapping[str, str] | None = None, log_format: str | None = None,
               description: str | None = None, revision_id: str | None = None) -> FunctionConfig:
        """UpdateFunctionConfiguration of ``$LATEST``; it stays ``InProgress`` for ``update_delay_s``."""
        with self._locked():
            self._check_idle()
            _check_revision(revision_id, self.latest.revision_id)
            old = self.latest
            new = replace(old, revision_id=str(uuid.uuid4()), last_modified=timestamp(),
                          memory_mb=old.memory_mb if memory_mb is None else memory_mb,
                          timeout_s=old.timeout_s if timeout_s is None else timeout_s,
                          variables=old.variables if variables is None else dict(variables),
                          log_format=old.log_format if log_format is None else log_format,
                          description=old.description if description is None else description)
            return self._start_update(old, _checked(new))

    def update_code(self, *, code_sha256: str, code_size: int, architecture: str | None = None,
                    image: Image | None = None, revision_id: str | None = None) -> FunctionConfig:
        """UpdateFunctionCode of ``$LATEST`` (the architecture changes only with the code, ``image`` is an
        image function's new image); ``InProgress`` for ``update_delay_s``, as a configuration update is."""
        with self._locked():
            self._check_idle()
            _check_revision(revision_id, self.latest.revision_id)
            old = self.latest
            new = replace(old, revision_id=str(uuid.uuid4()), last_modified=timestamp(), code_sha256=code_sha256,
                          code_size=code_size, architecture=old.architecture if architecture is None else architecture,
                          image=image)
            return self._start_update(old, new)

    def _start_update(self, old: FunctionConfig, new: FunctionConfig) -> FunctionConfig:
        self.latest = new
        self._before_update = old
        self._update_done_at = self._clock() + self.update_delay_s
        return self.latest

    def publish(self, *, description: str | None = None, revision_id: str | None = None) -> FunctionConfig:
        """PublishVersion: freeze ``$LATEST`` as version N (the last version when nothing changed)."""
        with self._locked():
            self._check_idle()
            _check_revision(revision_id, self.latest.revision_id)
            last = self.versions.get(str(self._next_version - 1))  # None once deleted: numbers are never reused
            if last is not None and last.settings() == self.latest.settings():
                return last
            version = str(self._next_version)
            self._next_version += 1
            self.versions[version] = replace(
                self.latest, version=version, revision_id=str(uuid.uuid4()), last_modified=timestamp(),
                description=self.latest.description if description is None else description)
            return self.versions[version]

    def delete(self, qualifier: str | None) -> list[str]:
        """DeleteFunction: the whole function, or one version. Returns the revision ids now gone."""
        with self._locked():
            if qualifier is None:
                gone = [self.latest.revision_id, *(c.revision_id for c in self.versions.values())]
                self.deleted = True
                return gone
            if qualifier == LATEST:
                raise errors.invalid_parameter("$LATEST version cannot be deleted without deleting the function.")
            if qualifier not in self.versions:
                raise errors.not_found(f"Function not found: {self.arn(qualifier)}")
            users = sorted(a.name for a in self.aliases.values()
                           if qualifier == a.function_version or qualifier in a.weights)
            if users:
                raise errors.conflict(f"Unable to delete version because the following aliases reference it: "
                                      f"[{', '.join(users)}]")
            self.provisioned.pop(qualifier, None)
            return [self.versions.pop(qualifier).revision_id]

    # -- aliases ------------------------------------------------------------------------

    def create_alias(self, name: str, version: str, description: str = "",
                     weights: Mapping[str, float] | None = None) -> Alias:
        """CreateAlias for a published version (or ``$LATEST``)."""
        with self._locked():
            if not name or name.isdigit() or name == LATEST:
                raise errors.validation(f"1 validation error detected: Value '{name}' at 'name' failed to "
                                        "satisfy constraint: Member must satisfy regular expression pattern: "
                                        "(?!^[0-9]+$)([a-zA-Z0-9-_]+)")
            if name in self.aliases:
                raise errors.conflict(f"Alias already exists: {self.arn(name)}")
            self._check_routing(version, weights or {})
            self.aliases[name] = Alias(name, version, description, dict(weights or {}))
            return self.aliases[name]

    def alias(self, name: str) -> Alias:
        """GetAlias."""
        with self._locked():
            if name not in self.aliases:
                raise errors.not_found(f"Alias not found: {self.arn(name)}")
            return self.aliases[name]

    def update_alias(self, name: str, *, version: str | None = None, description: str | None = None,
                     weights: Mapping[str, float] | None = None, revision_id: str | None = None) -> Alias:
        """UpdateAlias: point it elsewhere, change its description or routing weights."""
        with self._locked():
            old = self.alias(name)
            _check_revision(revision_id, old.revision_id)
            version = old.function_version if version is None else version
            weights = old.weights if weights is None else weights
            self._check_routing(version, weights)
            self.aliases[name] = Alias(name, version, old.description if description is None else description,
                                       dict(weights))
            return self.aliases[name]

    def delete_alias(self, name: str) -> None:
        """DeleteAlias (its provisioned concurrency goes with it)."""
        with self._locked():
            self.alias(name)
            del self.aliases[name]
            self.provisioned.pop(name, None)

    def _check_routing(self, version: str, weights: Mapping[str, float]) -> None:
        for target in (version, *weights):
            if target != LATEST and target not in self.versions:
                raise errors.not_found(f"Function not found: {self.arn(target)}")
        if any(not 0.0 <= w <= 1.0 for w in weights.values()) or sum(weights.values()) > 1.0:
            raise errors.invalid_parameter("Invalid RoutingConfig: each weight is in [0.0, 1.0] and they sum to "
                                           "at most 1.0.")
        if weights and version == LATEST:
            raise errors.invalid_parameter("$LATEST is not supported for an alias pointing to more than 1 version")

    # -- provisioned concurrency ----------------------------------------------------------

    def put_provisioned(self, qualifier: str | None, requested: int) -> Provisioned:
        """PutProvisionedConcurrencyConfig on a version or an alias; it starts IN_PROGRESS."""
        with self._locked():
            if qualifier in (None, LATEST):
                raise errors.invalid_parameter("Provisioned Concurrency Configs cannot be applied to unpublished "
                                               "function versions.")
            self.config(qualifier)
            if requested < 1:
                raise errors.validation(f"1 validation error detected: Value '{requested}' at "
                                        "'provisionedConcurrentExecutions' failed to satisfy constraint: "
                                        "Member must have value greater than or equal to 1")
            entry = Provisioned(str(qualifier), requested)
            self.provisioned[entry.qualifier] = entry
            return entry

    def get_provisioned(self, qualifier: str | None) -> Provisioned:
        """GetProvisionedConcurrencyConfig."""
        with self._locked():
            self.config(qualifier)
            entry = self.provisioned.get(qualifier or "")
            if entry is None:
                raise errors.provisioned_not_found("No Provisioned Concurrency Config found for this function")
            return entry

    def delete_provisioned(self, qualifier: str | None) -> Provisioned:
        """DeleteProvisionedConcurrencyConfig; returns the configuration removed."""
        with self._locked():
            entry = self.get_provisioned(qualifier)
            del self.provisioned[entry.qualifier]
            return entry

    def settle_provisioned(self, entry: Provisioned, *, allocated: int, reason: str | None) -> None:
        """Mark ``entry`` READY with ``allocated`` warm instances, or FAILED with ``reason``."""
        with self._locked():
            entry.allocated = allocated
            entry.status = FAILED if reason else READY
            entry.reason = reason
            entry.last_modified = timestamp()

    # -- helpers ------------------------------------------------------------------------

    def _check_idle(self) -> None:
        if self.updating():
            raise errors.conflict("The operation cannot be performed at this time. An update is in progress "
                                  f"for resource: {self.arn()}")


def _split_name(name: str) -> tuple[str, str | None]:
    """``(function, qualifier)`` from a name, ``name:qualifier``, a partial ARN or an ARN."""
    parts = name.split(":")
    if parts[0] == "arn" and len(parts) >= 7:
        parts = parts[6:]
    elif len(parts) >= 3 and parts[1] == "function":
        parts = parts[2:]
    return parts[0], (parts[1] if len(parts) > 1 else None)


def _check_revision(given: str | None, current: str) -> None:
    if given is not None and given != current:
        raise errors.precondition_failed("The Revision Id provided does not match the latest Revision Id. "
                                         "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")


def _checked(config: FunctionConfig) -> FunctionConfig:
    """``config`` if Lambda accepts it; the ValidationException or InvalidParameterValueException otherwise."""
    if config.memory_mb < MIN_MEMORY_MB or config.memory_mb > MAX_MEMORY_MB:
        side = ("greater than or equal to", MIN_MEMORY_MB) if config.memory_mb < MIN_MEMORY_MB \
            else ("less than or equal to", MAX_MEMORY_MB)
        raise errors.validation(f"1 validation error detected: Value '{config.memory_mb}' at 'memorySize' failed "
                                f"to satisfy constraint: Member must have value {side[0]} {side[1]}")
    if not 1 <= config.timeout_s <= MAX_TIMEOUT_S:
        raise errors.validation(f"1 validation error detected: Value '{config.timeout_s}' at 'timeout' failed to "
                                f"satisfy constraint: Member must have value between 1 and {MAX_TIMEOUT_S:.0f}")
    reserved = sorted(RESERVED_VARIABLES.intersection(config.variables))
    if reserved:
        raise errors.invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment variables you have "
            "provided contains reserved keys that are currently not supported for modification. Reserved keys used "
            f"in this request: {', '.join(reserved)}")
    if config.log_format not in LOG_FORMATS:
        raise errors.validation(f"1 validation error detected: Value '{config.log_format}' at "
                                "'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum "
                                f"value set: [{', '.join(LOG_FORMATS)}]")
    return config
