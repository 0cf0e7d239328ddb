"""AwsTarget: tune a live Lambda function without touching what its callers use.

Per memory size the target updates ``$LATEST`` (memory and a fresh value of
:data:`NONCE_VARIABLE`, with the RevisionId it last saw as the precondition, so a deployment
made meanwhile is never overwritten), waits with the ``function_updated_v2`` waiter, publishes
a version and points a temporary alias (``advisor-tune-<run id>``) at it; invocations go to
that alias. Aliases and versions the callers use are never changed, so production traffic
through them is not affected (callers of the unqualified name or ``$LATEST`` do see the memory
size being tuned: point them at an alias). Each configuration change gives fresh sandboxes,
which is how :meth:`AwsTarget.force_cold` forces a cold start: it touches the variable.

Invocations use ``LogType=Tail``: the last 4 KB of the invocation's log come back in
``LogResult`` and its REPORT (text or JSON log format) is read by the same parser as every
import (:func:`advisor.logs.parse_events`). Throttling is retried with backoff by botocore's
adaptive mode (:mod:`advisor.aws`, shared with the CloudWatch import) up to
``max_attempts``; then it is a :class:`ThrottledError`.

What it creates is reported to the journal (:meth:`AwsTarget.watch`) and deleted by
:meth:`AwsTarget.restore`; :func:`restore_snapshot` does the same from another process
(``advisor restore``). Architectures: the function's own, and the other one for a zip package
without native code (see :meth:`AwsTarget.architectures`), switched by re-uploading the same package.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from advisor import aws
from advisor.errors import AdvisorError, TargetError, UsageError
from advisor.platform.aws_lambda import ARCHITECTURES, DEFAULT_ARCH, check_memory_mb, code_sha256
from advisor.record import STATUS_ERROR, STATUS_SUCCESS
from advisor.targets import lambda_code
from advisor.targets._base import RECORD_FIELDS, Target, ThrottledError
from advisor.tune import iam

if TYPE_CHECKING:
    import boto3

#: The environment variable touched to force fresh sandboxes (and to make every version new).
NONCE_VARIABLE: Final = "ADVISOR_TUNE_NONCE"
ALIAS_PREFIX: Final = "advisor-tune-"
#: Marks the versions a run publishes (their Description), so a restore finds them all.
VERSION_DESCRIPTION: Final = "advisor tune {run_id}"
#: The IAM actions the AWS target calls, named when access is denied.
PERMISSIONS: Final = iam.permissions_text("tune")
RESTORER: Final = "advisor.targets.aws:restore_snapshot"
COMMAND: Final = "advisor tune"
#: Added to the function's timeout for an invoke's read timeout (network, init).
READ_TIMEOUT_MARGIN_S: Final = 30.0
_NS_PER_MS: Final = 1_000_000


class AwsTarget(Target):
    """A live Lambda function, tuned through a temporary alias.

    Args:
        function: Function name or ARN.
        region: AWS region (default: the profile's or the environment's).
        profile: Named profile from ~/.aws/config.
        endpoint_url: Another Lambda endpoint (``advisor local serve`` in tests).
        session: A boto3 session to use (then region/profile are its own).
        max_attempts: Attempts per request, throttled ones retried with backoff in between.
        run_id: Names the alias and marks the versions of this run (default: random).

    Nothing is read or changed until :meth:`snapshot` or :meth:`configure`.
    """

    def __init__(self, function: str, *, region: str | None = None, profile: str | None = None,
                 endpoint_url: str | None = None, session: boto3.Session | None = None,
                 max_attempts: int = aws.MAX_ATTEMPTS, run_id: str | None = None) -> None:
        self.function = function
        self.run_id = run_id or secrets.token_hex(4)
        self.alias = f"{ALIAS_PREFIX}{self.run_id}"
        self._connection = {"region": region, "profile": profile, "endpoint_url": endpoint_url}
        self._session, self._max_attempts = session, max_attempts
        self._lam: Any = None
        self._original: dict[str, Any] | None = None
        self._created: dict[str, Any] = _nothing_created()
        self._watchers: list[Callable[[dict[str, Any]], None]] = []
        self._revision: str | None = None
        self._memory_mb: int | None = None
        self._architecture: str | None = None
        #: The original zip package when the other architecture can run it, or why not (read once).
        self._code: bytes | None = None
        self._journaled_without_code = False  # a journal was written before the code was read
        self._refusal: str | None = None
        self._version: str | None = None
        self._lock = threading.Lock()
        self._closed = False

    # -- the Target contract -------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The function's configuration as it was before this target changed anything.

        With the other architecture available it holds the original code's ``CodeSha256``
        (``code``); the package itself is :meth:`attachments`, kept beside the journal.
        """
        snapshot = dict(self._read_original())
        if self._code is not None:
            snapshot["code"] = {"architecture": snapshot["architecture"], "package_type": lambda_code.ZIP,
                                "code_sha256": code_sha256(self._code), "zip": None, "image_uri": None}
        return snapshot

    def architectures(self) -> tuple[str, ...]:
        """The function's own architecture, then the other one when its own package can run there.

        Switching a function between x86_64 and arm64 is ``UpdateFunctionCode`` with the whole
        package again: the target downloads it once (``GetFunction``'s ``Code.Location``, at most
        50 MB, checked against ``CodeSha256``) and re-uploads it as it is, which works only for
        a zip package holding no native code whose layers do not exclude the other architecture.
        Otherwise only the function's own (:meth:`architecture_refusal` says why).
        """
        own = self._read_original()["architecture"]
        self._check_other(own)
        return (own,) if self._code is None else (own, _other(own))

    def own_architecture(self) -> str:
        """The function's architecture (read with its configuration; no package download)."""
        return str(self._read_original()["architecture"])

    def architecture_refusal(self, architecture: str) -> str | None:
        """Why ``architecture`` cannot be measured (native code named, an image, a layer), or None."""
        own = self._read_original()["architecture"]
        if architecture == own:
            return None
        self._check_other(own)
        return self._refusal

    def attachments(self) -> dict[str, bytes]:
        """The original package, for the journal, when the other architecture was asked for and
        is available (:meth:`architectures` read it); a tuning of the function's own architecture
        downloads nothing and changes no code."""
        self._journaled_without_code = self._code is None
        return {} if self._code is None else {lambda_code.CODE_ATTACHMENT: self._code}

    def configure(self, memory_mb: int, *, architecture: str | None = None, **options: Any) -> None:
        """Run the next invocations at ``memory_mb`` on a new version behind the temporary alias.

        Raises:
            UsageError: a memory size outside Lambda's bounds, or an unknown option.
            TargetError: the function changed meanwhile (RevisionId), or the update failed.
            NotFoundError, RemoteError: AWS refused (access, credentials, no such function).
        """
        if options:
            raise UsageError(f"AwsTarget has no option {sorted(options)[0]!r}")
        memory_mb = check_memory_mb(memory_mb)
        with self._lock:
            self._check_open()
            self._deploy(memory_mb, architecture)

    def force_cold(self) -> None:
        """The next invocation starts a fresh sandbox: the nonce variable changes (a new version)."""
        with self._lock:
            self._check_open()
            self._deploy(self._memory_mb or self._read_original()["memory_mb"], self._architecture)

    def invoke(self, payload: Any) -> dict[str, Any]:
        """Invoke the configured version once through the alias; the record from its REPORT.

        Before any :meth:`configure` (or after :meth:`restore`) it first deploys the original
        memory size behind the alias, so the function's callers are never invoked through.

        Raises:
            UsageError: the payload is not JSON.
            ThrottledError: still throttled after ``max_attempts`` attempts with backoff.
            TargetError: no REPORT in the log tail; NotFoundError, RemoteError: AWS refused.
        """
        if self._version is None:  # not configured (or restored): run at the original configuration
            with self._lock:
                self._check_open()
                if self._version is None:
                    self._deploy(self._read_original()["memory_mb"], None)
        try:
            body = json.dumps(payload).encode()
        except (TypeError, ValueError) as exc:
            raise UsageError(f"the payload is not JSON: {exc}") from exc
        started = datetime.now(UTC)
        response = self._call(lambda lam: lam.invoke(FunctionName=self.function, Qualifier=self.alias,
                                                     Payload=body, LogType="Tail"), "invoke")
        ended = datetime.now(UTC)
        return self._record(response, started, ended)

    def restore(self) -> None:
        """Delete the alias and the versions this target made, and put ``$LATEST`` back."""
        self.restore_report()

    def restore_report(self) -> list[str]:
        """:meth:`restore`, returning the lines that say what it did (for the journal)."""
        with self._lock:
            if self._original is None:
                return []  # nothing was read, so nothing was changed
            lines = _restore(self._client(), self.snapshot(), self._created, code=self._code)
            self._created = _nothing_created()
            self._version = self._memory_mb = self._revision = self._architecture = None
            self._notify()
        return lines

    def close(self) -> None:
        """Restore if anything is still changed, then drop the client. Idempotent."""
        if self._closed:
            return
        try:
            if self._created != _nothing_created():
                self.restore()
        finally:
            self._closed = True

    def describe(self) -> dict[str, Any]:
        """Where the invocations go: the function, the temporary alias, the region."""
        return {"function": self.function, "alias": self.alias, "region": self._client().meta.region_name,
                "cpu_limited": True, "memory_limit": "lambda"}

    def watch(self, on_created: Callable[[dict[str, Any]], None]) -> None:
        """Call ``on_created(created)`` whenever what this target created changes (the journal)."""
        self._watchers.append(on_created)

    # -- changing the function -----------------------------------------------------

    def _deploy(self, memory_mb: int, architecture: str | None) -> None:
        original = self._read_original()
        lam = self._client()
        variables = dict(original["environment"] or {})
        variables[NONCE_VARIABLE] = secrets.token_hex(8)
        if self._revision is None:  # after a restore: the revision advisor itself wrote last
            self._revision = self._current_revision()
        self._switch(lam, architecture or self._architecture or original["architecture"])
        self._created["latest_changed"] = True
        self._notify()  # journaled before $LATEST changes
        updated = self._call(lambda c: c.update_function_configuration(
            FunctionName=self.function, MemorySize=memory_mb, Environment={"Variables": variables},
            RevisionId=self._revision), "update")
        self._revision = updated.get("RevisionId")
        self._wait(lam, "function_updated_v2")
        self._revision = self._current_revision()  # it moves again when the update completes
        published = self._call(lambda c: c.publish_version(
            FunctionName=self.function, RevisionId=self._revision,
            Description=VERSION_DESCRIPTION.format(run_id=self.run_id)), "publish")
        version, previous = published["Version"], self._version
        self._created["versions"].append(version)
        self._notify()
        self._wait(lam, "published_version_active", Qualifier=version)  # SnapStart versions start Pending
        self._point_alias(version)
        self._version, self._memory_mb = version, memory_mb
        if previous is not None:  # the alias left it: at most one version of this run exists
            self._call(lambda c: c.delete_function(FunctionName=self.function, Qualifier=previous), "delete")
            self._created["versions"].remove(previous)
            self._notify()

    def _switch(self, lam: Any, architecture: str) -> None:
        """Put ``$LATEST`` on ``architecture`` with the original package, journaled first."""
        if architecture == (self._architecture or self._read_original()["architecture"]):
            return
        if self._code is None or self._journaled_without_code:  # a journal must hold the code first
            raise TargetError(f"{self.function} cannot run on {architecture} here: "
                              f"{self.architecture_refusal(architecture) or 'its code is not in the journal'}",
                              hint=f"Ask for it before the tuning starts: advisor tune {self.function} "
                                   f"--arch {self.own_architecture()},{architecture}.")
        sha = code_sha256(self._code)
        self._created.update(code_changed=True, code_sha256=sha, architecture=architecture)
        self._notify()  # journaled before the code changes
        self._call(lambda c: c.update_function_code(FunctionName=self.function, ZipFile=self._code,
                                                    Architectures=[architecture], RevisionId=self._revision),
                   "code update")
        self._wait(lam, "function_updated_v2")
        with _aws_errors(self.function):
            self._revision = lambda_code.settled_revision(lam, self.function, sha, architecture, command=COMMAND)
        self._architecture = architecture

    def _check_other(self, own: str) -> None:
        """Read once whether the other architecture can run the function's own package (the code, or why not)."""
        if self._code is not None or self._refusal is not None:
            return
        original, other = self._read_original(), _other(own)
        if original.get("package_type") == lambda_code.IMAGE:
            self._refusal = (f"{self.function} is a container image: running it on {other} needs another image, "
                             "and advisor tune does not deploy images")
            return
        lam = self._client()
        try:
            with _aws_errors(self.function):
                lambda_code.check_layers(lam, original, other, command=COMMAND)
                data, _ = lambda_code.download(lam, self.function, command=COMMAND)
            refusal = lambda_code.native_code(self.function, data, other)
        except AdvisorError as exc:
            self._refusal = exc.message
            return
        if refusal is None:
            self._code = data
        self._refusal = refusal

    def _point_alias(self, version: str) -> None:
        if self._created["alias"] is None:
            self._created["alias"] = self.alias
            self._notify()  # the name is journaled before the alias exists
            self._call(lambda c: c.create_alias(FunctionName=self.function, Name=self.alias,
                                                FunctionVersion=version,
                                                Description="advisor tune: temporary, deleted when it ends"),
                       "alias")
        else:
            self._call(lambda c: c.update_alias(FunctionName=self.function, Name=self.alias,
                                                FunctionVersion=version), "alias")

    def _current_revision(self) -> str:
        conf = self._call(lambda c: c.get_function_configuration(FunctionName=self.function), "read")
        return str(conf["RevisionId"])

    def _wait(self, lam: Any, waiter: str, **request: Any) -> None:
        with _aws_errors(self.function):
            aws.wait(lam, waiter, FunctionName=self.function, **request)

    # -- reading ---------------------------------------------------------------------

    def _read_original(self) -> dict[str, Any]:
        if self._original is None:
            self._original = read_configuration(self._client(), self.function, run_id=self.run_id,
                                                connection=self._connection)
            self._revision = self._original["revision_id"]
        return self._original

    def _record(self, response: dict[str, Any], started: datetime, ended: datetime) -> dict[str, Any]:
        request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        payload = response["Payload"].read()
        tail = base64.b64decode(response.get("LogResult") or b"").decode("utf-8", errors="replace")
        report = report_from_tail(tail, function=self.function, request_id=request_id,
                                  end_ms=int(ended.timestamp() * 1000))
        if report is None:
            raise TargetError(f"invocation {request_id} of {self.function} returned no REPORT in its log tail",
                              hint="Check that the function logs to CloudWatch (LogType=Tail returns its last 4 KB).")
        record = dict(report)
        if response.get("FunctionError") and record["status"] == STATUS_SUCCESS:
            record["status"] = STATUS_ERROR  # older runtimes write no Status on a handled error
            record["error_type"] = record["error_type"] or _error_type(payload)
        record["architecture"] = self._architecture or self._read_original()["architecture"]
        if record["end_time"] is None:
            record["end_time"] = ended
        if record["start_time"] is None:
            elapsed = record["duration_ms"] + (record["init_ms"] or 0.0)
            record["start_time"] = max(started, ended - timedelta(milliseconds=elapsed))
        return record

    # -- plumbing --------------------------------------------------------------------

    def _client(self) -> Any:
        if self._lam is None:
            (self._lam,) = aws.clients(("lambda",), session=self._session, max_attempts=self._max_attempts,
                                       read_timeout_s=aws_lambda_read_timeout(), **self._connection)
        return self._lam

    def _call(self, request: Callable[[Any], Any], what: str) -> Any:
        lam = self._client()
        with _aws_errors(self.function, throttled=f"the {what} of {self.function} after "
                                                  f"{self._max_attempts} attempts with backoff"):
            return request(lam)

    def _notify(self) -> None:
        created = json.loads(json.dumps(self._created))
        for watcher in self._watchers:
            watcher(created)

    def _check_open(self) -> None:
        if self._closed:
            raise TargetError(f"the AWS target of {self.function} is closed")


def aws_lambda_read_timeout() -> float:
    """An invoke's read timeout: Lambda's longest timeout plus a margin (never cut a slow invoke)."""
    from advisor.platform.aws_lambda import MAX_TIMEOUT_S

    return MAX_TIMEOUT_S + READ_TIMEOUT_MARGIN_S


def read_configuration(lam: Any, function: str, *, run_id: str,
                       connection: dict[str, Any]) -> dict[str, Any]:
    """The whole configuration to journal: $LATEST, aliases, provisioned concurrency.

    Raises:
        NotFoundError, RemoteError: AWS refused.
        TargetError: the function is already being tuned by an advisor run (the nonce is set).
    """
    with _aws_errors(function):
        conf, aliases, provisioned = aws.function_setup(lam, function)
    variables = (conf.get("Environment") or {}).get("Variables")
    if variables and NONCE_VARIABLE in variables:
        raise TargetError(f"{function} still has {NONCE_VARIABLE} set: an earlier tuning did not restore it",
                          hint=f"Run `advisor restore {function}`, or remove the variable by hand.")
    return {
        "kind": "aws-lambda", "restorer": RESTORER, "run_id": run_id, "alias": f"{ALIAS_PREFIX}{run_id}",
        "function": conf.get("FunctionName", function), "function_arn": conf.get("FunctionArn"),
        **connection, "region": connection.get("region") or lam.meta.region_name,
        "memory_mb": conf.get("MemorySize"), "timeout_s": conf.get("Timeout"),
        "architecture": (conf.get("Architectures") or [DEFAULT_ARCH])[0],
        "environment": variables, "revision_id": conf.get("RevisionId"),
        "package_type": conf.get("PackageType"), "runtime": conf.get("Runtime"),
        "layers": [layer["Arn"] for layer in conf.get("Layers") or []],
        "log_format": (conf.get("LoggingConfig") or {}).get("LogFormat"),
        "aliases": [{"name": a["Name"], "version": a["FunctionVersion"],
                     "routing": (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights")} for a in aliases],
        "provisioned_concurrency": [{"qualifier": p["FunctionArn"].rsplit(":", 1)[-1],
                                     "requested": p.get("RequestedProvisionedConcurrentExecutions"),
                                     "status": p.get("Status")} for p in provisioned],
    }


def report_from_tail(tail: str, *, function: str, request_id: str, end_ms: int) -> dict[str, Any] | None:
    """The record of ``request_id`` from an invocation's log tail (text or JSON log format), or None.

    Each line of the tail is one log event for :func:`advisor.logs.parse_events`; the tail's
    first line may be cut (it is the last 4 KB), which the parser rejects like any broken line.
    Lambda's response carries the invocation's request id; when no REPORT has it, the tail's only
    REPORT is taken (``LogResult`` holds this invocation's log alone), and with several, none.
    """
    from advisor.logs import LogEvent, parse_events

    events = [LogEvent(end_ms, line) for line in tail.splitlines() if line.strip()]
    records = parse_events(events, function=function, source=f"LogResult of {request_id}").records
    mine = records[records["request_id"] == request_id]
    if not mine.empty:
        records = mine
    elif len(records) != 1:  # the tail is this invocation's own log: one REPORT is its REPORT
        return None
    row = records.iloc[-1]
    return {name: _plain(row[name]) for name in RECORD_FIELDS}


def restore_snapshot(snapshot: dict[str, Any], created: dict[str, Any]) -> list[str]:
    """Restore a journaled AWS function from another process (``advisor restore``)."""
    (lam,) = aws.clients(("lambda",), region=snapshot.get("region"), profile=snapshot.get("profile"),
                         endpoint_url=snapshot.get("endpoint_url"))
    return _restore(lam, snapshot, created)


def _restore(lam: Any, original: dict[str, Any], created: dict[str, Any], *, code: bytes | None = None) -> list[str]:
    """Delete the run's alias and versions, put $LATEST's memory, variables and code back; say what was done.

    ``code`` is the original package when this process holds it; otherwise the journal's attachment.
    """
    function = original["function"]
    lines: list[str] = []
    alias = created.get("alias") or original["alias"]
    with _aws_errors(function):
        if gone_or(lam.delete_alias, FunctionName=function, Name=alias):
            lines.append(f"deleted the temporary alias {alias}")
        for version in sorted(set(created.get("versions") or []) | set(_run_versions(lam, original)), key=int):
            if gone_or(lam.delete_function, FunctionName=function, Qualifier=version):
                lines.append(f"deleted version {version}")
        lines.extend(_restore_latest(lam, original))
        if created.get("code_changed") and original.get("code"):
            kept = {**original["code"], "zip": (original.get("attachments") or {}).get(lambda_code.CODE_ATTACHMENT)}
            lines.extend(lambda_code.restore_code(lam, function, kept, created, command=COMMAND, data=code))
        lines.extend(_alias_notes(lam, original))
    return lines


def _restore_latest(lam: Any, original: dict[str, Any]) -> list[str]:
    function = original["function"]
    current = lam.get_function_configuration(FunctionName=function)
    variables = (current.get("Environment") or {}).get("Variables") or {}
    wanted = original["environment"] or {}
    if current.get("MemorySize") == original["memory_mb"] and variables == wanted:
        return []
    lam.update_function_configuration(FunctionName=function, MemorySize=original["memory_mb"],
                                      Environment={"Variables": wanted}, RevisionId=current["RevisionId"])
    aws.wait(lam, "function_updated_v2", FunctionName=function)
    return [f"put back $LATEST: memory {original['memory_mb']} MB (was {current.get('MemorySize')} MB), "
            f"environment without {NONCE_VARIABLE}"]


def _run_versions(lam: Any, original: dict[str, Any]) -> Iterator[str]:
    """Versions published by this run (their description), also those a kill kept out of the journal."""
    return versions_marked(lam, original["function"], VERSION_DESCRIPTION.format(run_id=original["run_id"]))


def versions_marked(lam: Any, function: str, mark: str) -> Iterator[str]:
    """The published versions of ``function`` whose description is ``mark`` (those a run published)."""
    for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=function):
        for version in page.get("Versions", []):
            if version.get("Version") != "$LATEST" and version.get("Description") == mark:
                yield version["Version"]


def _alias_notes(lam: Any, original: dict[str, Any]) -> list[str]:
    """Lines for the callers' aliases that point elsewhere than at the start (advisor never moves them)."""
    before = {a["name"]: a["version"] for a in original["aliases"]}
    now = {a["Name"]: a["FunctionVersion"] for page in lam.get_paginator("list_aliases").paginate(
        FunctionName=original["function"]) for a in page.get("Aliases", [])}
    return [f"note: alias {name} now points to version {now.get(name, '(deleted)')} (was {version}); "
            f"advisor did not change it" for name, version in before.items() if now.get(name) != version]


def gone_or(delete: Callable[..., Any], **request: Any) -> bool:
    """Call ``delete(**request)``; False when the thing was already gone (:data:`advisor.aws.NOT_FOUND_CODES`)."""
    try:
        delete(**request)
    except Exception as exc:
        if aws.error_code(exc) in aws.NOT_FOUND_CODES:
            return False
        raise
    return True


def _nothing_created() -> dict[str, Any]:
    return {"alias": None, "versions": [], "latest_changed": False, "code_changed": False}


def _other(architecture: str) -> str:
    """The other of Lambda's two architectures."""
    return next(a for a in ARCHITECTURES if a != architecture)


def _plain(value: Any) -> Any:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _error_type(payload: bytes) -> str | None:
    try:
        body = json.loads(payload or b"null")
    except ValueError:
        return None
    return body.get("errorType") if isinstance(body, dict) else None


class _aws_errors(aws.aws_errors):  # noqa: N801 - a context manager used like a function
    """AWS errors of the target as advisor errors naming the tune permissions.

    Args:
        function: The function the requests are about.
        throttled: What was throttled, for the :class:`ThrottledError` (None: the shared mapping).
    """

    def __init__(self, function: str, *, throttled: str | None = None) -> None:
        super().__init__(f"function {function!r}", permissions=PERMISSIONS)
        self.throttled = throttled

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: Any) -> Any:
        if exc is not None and self.throttled is not None and aws.is_throttling(exc):
            raise ThrottledError(
                f"Lambda kept throttling {self.throttled} ({aws.error_code(exc)})",
                hint="Lower the tuning's concurrency, raise the function's reserved concurrency, or try later.",
            ) from None
        if exc is not None and aws.error_code(exc) == "PreconditionFailedException":
            raise TargetError(f"{self.what} changed while it was being tuned (its RevisionId moved)",
                              hint="Someone deployed meanwhile and advisor did not overwrite it; tune again later.",
                              ) from None
        return super().__exit__(kind, exc, tb)
