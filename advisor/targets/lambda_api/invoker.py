"""Invoke: run the served function as Lambda's Invoke call does, and answer as it answers.

The payload is checked (size, JSON), the qualifier resolved to the configuration that runs
(``$LATEST``, a version, an alias and its routing), faults are drawn, and the handler runs
in that configuration's sandbox. The answer is Lambda's: 200 with the handler's result, or
200 with ``X-Amz-Function-Error: Unhandled`` and the runtime's error document when it
failed (an exception, a timeout, out of memory); ``X-Amz-Executed-Version``; with
``X-Amz-Log-Type: Tail`` the log tail in ``X-Amz-Log-Result``; 429 when every allowed
environment is busy (or a throttle is injected).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from advisor.errors import TargetError
from advisor.platform.aws_lambda import MAX_PAYLOAD_BYTES
from advisor.record import STATUS_SUCCESS, STATUS_TIMEOUT
from advisor.targets.lambda_api import errors, faults, logtail
from advisor.targets.lambda_api.registry import LATEST, FunctionConfig, FunctionRegistry
from advisor.targets.lambda_api.sandboxes import Sandbox, Sandboxes
from advisor.targets.local import EXIT_ERROR, OUT_OF_MEMORY, Invocation, ThrottledError

#: Lambda's Reason when the account's (here: the server's) concurrency is used up.
CONCURRENCY_REASON = "ConcurrentInvocationLimitExceeded"
TIMED_OUT = "Sandbox.Timedout"
_INIT_ERROR_TYPE = re.compile(r"failed to initialise \(([^)]+)\)")


@dataclass
class Answer:
    """An HTTP answer: status, headers and body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Invoker:
    """Runs invocations of one function.

    Args:
        registry: the function's versions and aliases.
        sandboxes: where configurations run.
        injector: the faults to inject.
        max_concurrency: invocations in flight at once (beyond: 429, as the account limit).
        log: where each invocation's log lines go too (``(log_stream, [(time, line)])``), or None.
        history: how many invocations to remember for the admin endpoint.
    """

    def __init__(self, registry: FunctionRegistry, sandboxes: Sandboxes, injector: faults.Injector, *,
                 max_concurrency: int, log: Callable[[str, list[tuple[datetime, str]]], None] | None = None,
                 history: int = 10_000) -> None:
        self.registry, self.sandboxes, self.injector = registry, sandboxes, injector
        self.max_concurrency = max_concurrency
        self._log = log
        self._lock = threading.Lock()
        self._in_flight = 0
        self.history: deque[dict[str, Any]] = deque(maxlen=history)

    def invoke(self, qualifier: str | None, body: bytes, *, invocation_type: str | None,
               log_type: str | None) -> Answer:
        """One Invoke call (the function name already checked)."""
        if len(body) > MAX_PAYLOAD_BYTES:
            raise errors.request_too_large(f"Request must be smaller than {MAX_PAYLOAD_BYTES} bytes for the "
                                           "InvokeFunction operation")
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            raise errors.invalid_content(f"Could not parse request body into json: {exc}") from None
        config = self.registry.for_invoke(qualifier)
        kind = invocation_type or "RequestResponse"
        if kind == "DryRun":
            return Answer(204)
        if kind not in ("RequestResponse", "Event"):
            raise errors.invalid_parameter(f"Unsupported invocation type: {kind}")
        fault = self.injector.draw(config.memory_mb)
        if fault == faults.THROTTLE:
            raise errors.too_many_requests(CONCURRENCY_REASON)
        self._enter()
        if kind == "Event":
            threading.Thread(target=self._run_quietly, args=(config, qualifier, event, fault), daemon=True).start()
            return Answer(202)
        try:
            invocation = self._run(config, qualifier, event, fault)
        finally:
            self._leave()
        return self._answer(invocation, config, log_type)

    def _enter(self) -> None:
        with self._lock:
            if self._in_flight >= self.max_concurrency:
                raise errors.too_many_requests(CONCURRENCY_REASON)
            self._in_flight += 1

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _run_quietly(self, config: FunctionConfig, qualifier: str | None, event: Any, fault: str | None) -> None:
        try:
            self._run(config, qualifier, event, fault)
        except (errors.ApiError, TargetError):
            pass  # an asynchronous invocation's failure is only in the history and the log
        finally:
            self._leave()

    def _run(self, config: FunctionConfig, qualifier: str | None, event: Any, fault: str | None) -> Invocation:
        if config.version == LATEST:
            self.sandboxes.retire_others(LATEST, config.revision_id)
        started = time.monotonic()
        with self.sandboxes.lease(config) as sandbox:
            try:
                invocation = sandbox.call(event)
            except ThrottledError:
                raise errors.too_many_requests(CONCURRENCY_REASON) from None
            except TargetError as exc:
                return self._init_failure(config, qualifier, exc)
            invocation = self._inject(sandbox, invocation, fault, started)
        invocation = Invocation(invocation.record, invocation.response, invocation.error_message,
                                tuple(logtail.relabel(invocation.logs, config.version)))
        self._remember(invocation, config, qualifier)
        return invocation

    def _inject(self, sandbox: Sandbox, invocation: Invocation, fault: str | None, started: float) -> Invocation:
        if fault == faults.TIMEOUT and invocation.record["status"] != STATUS_TIMEOUT:
            time.sleep(max(0.0, started + sandbox.timeout_s - time.monotonic()))
            sandbox.discard_idle()
            return faults.timed_out(invocation, sandbox.timeout_s)
        if fault == faults.OOM and invocation.record["error_type"] != OUT_OF_MEMORY:
            sandbox.discard_idle()
            return faults.out_of_memory(invocation)
        return invocation

    def _init_failure(self, config: FunctionConfig, qualifier: str | None, exc: TargetError) -> Invocation:
        """The handler could not be loaded: Lambda answers with the init error as an unhandled error."""
        found = _INIT_ERROR_TYPE.search(exc.message)
        error_type = found.group(1) if found else EXIT_ERROR
        now = datetime.now(UTC)
        record = {"request_id": "", "status": "error", "error_type": error_type, "start_time": now,
                  "end_time": now, "memory_mb": config.memory_mb, "init_failed": True}
        invocation = Invocation(record, None, exc.message, (f"[ERROR] {error_type}: {exc.message}",))
        self._remember(invocation, config, qualifier)
        return invocation

    def _remember(self, invocation: Invocation, config: FunctionConfig, qualifier: str | None) -> None:
        entry = {"qualifier": qualifier or LATEST, "version": config.version, "revision_id": config.revision_id,
                 "response": invocation.response, "error_message": invocation.error_message,
                 **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in invocation.record.items()}}
        self.history.append(entry)
        if self._log is not None and "log_stream" in invocation.record:
            record = invocation.record
            self._log(record["log_stream"], [(record["end_time"], line) for line in invocation.logs])

    def _answer(self, invocation: Invocation, config: FunctionConfig, log_type: str | None) -> Answer:
        record = invocation.record
        headers = {"X-Amz-Executed-Version": config.version}
        if record["status"] == STATUS_SUCCESS:
            body = json.dumps(invocation.response).encode()
            if len(body) > MAX_PAYLOAD_BYTES:
                body = json.dumps({"errorMessage": "Response payload size exceeded maximum allowed payload size "
                                   f"({MAX_PAYLOAD_BYTES} bytes).",
                                   "errorType": "Function.ResponseSizeTooLarge"}).encode()
                headers["X-Amz-Function-Error"] = "Unhandled"
        else:
            body = json.dumps(error_document(invocation, config)).encode()
            headers["X-Amz-Function-Error"] = "Unhandled"
        if log_type == "Tail":
            lines = list(invocation.logs)
            if config.log_format == "JSON" and not record.get("init_failed"):
                lines = logtail.json_lines(lines, record, function_name=self.registry.name, version=config.version,
                                           function_arn=self.registry.arn(config.version),
                                           error_message=invocation.error_message)
            headers["X-Amz-Log-Result"] = logtail.encode(lines)
        return Answer(200, body, {"Content-Type": "application/json", **headers})


def error_document(invocation: Invocation, config: FunctionConfig) -> dict[str, Any]:
    """The payload Lambda returns for a failed invocation (a handler error, timeout, out of memory)."""
    record = invocation.record
    request_id = record["request_id"]
    if record["status"] == STATUS_TIMEOUT:
        return {"errorType": TIMED_OUT,
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {config.timeout_s:.2f} seconds"}
    if record["error_type"] == OUT_OF_MEMORY:
        return {"errorType": OUT_OF_MEMORY,
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"}
    if record.get("init_failed"):  # as Lambda answers an init error: no request id, no stack
        return {"errorMessage": invocation.error_message, "errorType": record["error_type"], "requestId": "",
                "stackTrace": []}
    if record["error_type"] == EXIT_ERROR:
        return {"errorType": EXIT_ERROR, "errorMessage": f"RequestId: {request_id} Error: {invocation.error_message}"}
    logs = invocation.logs
    error_at = next((i for i, line in enumerate(logs) if line.startswith("[ERROR] ")), len(logs))
    end_at = next((i for i, line in enumerate(logs) if line.startswith("END RequestId:")), len(logs))
    return {"errorMessage": invocation.error_message, "errorType": record["error_type"], "requestId": request_id,
            "stackTrace": list(logs[error_at + 1:end_at])}
