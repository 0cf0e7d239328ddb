"""LocalTarget: run a real Lambda handler on this machine with Lambda's execution model.

Each execution environment is a worker process (:mod:`advisor.targets._worker`)
started with ``subprocess``, so a cold start really pays for process start, the
handler's imports and its module-level code (its Init Duration, measured from the
spawn to the worker's ready message). Later requests reuse an idle worker; a worker
idle for the keep-alive is stopped; concurrent requests get more workers up to the
concurrency limit, beyond which a request is throttled as Lambda throttles it.

Each worker gets Lambda's CPU share for its memory size (1,769 MB = 1 vCPU, capped
at this machine's cores) through cgroup v1 ``cpu.cfs_quota_us``, and its memory
size as ``memory.limit_in_bytes``, when this process may create cgroups (Linux,
root). Otherwise it runs unthrottled and :meth:`LocalTarget.describe` says so with
the reason; memory is then policed by polling the worker's peak RSS.

Every invocation yields the invocation record (:mod:`advisor.record` fields) and,
with ``log_path``, START/END/REPORT lines in Lambda's text format for
``advisor import logs``.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import platform
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from advisor import limits
from advisor.errors import NotFoundError, TargetError, UsageError
from advisor.platform.aws_lambda import (
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_TIMEOUT_S,
    INIT_TIMEOUT_S,
    MIN_MEMORY_MB,
    architecture_of,
    check_memory_mb,
    check_timeout_s,
)
from advisor.record import STATUS_ERROR, STATUS_SUCCESS, STATUS_TIMEOUT
from advisor.simulate.routing import DEFAULT_ROUTING, routing_code
from advisor.targets import _cgroup, lambda_log
from advisor.targets._base import Target, ThrottledError
from advisor.targets._environment import Environment, Failure
from advisor.units import KIB_PER_MIB

DEFAULT_MEMORY_MB = MIN_MEMORY_MB
DEFAULT_MAX_CONCURRENCY = 8
#: Lambda's on-demand init phase limit; a slower init runs again inside the invoke's timeout.
INIT_LIMIT_S = INIT_TIMEOUT_S
#: Lambda's error type when the environment runs out of memory.
OUT_OF_MEMORY = "Runtime.OutOfMemory"
#: Lambda's error type when the runtime process exits during an invocation.
EXIT_ERROR = "Runtime.ExitError"
ISOLATIONS = ("auto", "cgroup", "none")
_REAP_MAX_INTERVAL_S = 1.0
_REAP_MIN_INTERVAL_S = 0.01
_MODULE_PATH = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*")


@dataclass(frozen=True)
class Limits:
    """How the workers are limited on this machine.

    Attributes:
        cpu_limited: CPU follows memory through cgroup quotas.
        memory_limit: ``cgroup`` (the kernel enforces the size) or ``rss-polling``
            (the worker's peak RSS is checked every few ms).
        reason: why a cgroup limit is not used, or None.
        cores: the cores this machine gives the workers (the CPU cap).
    """

    cpu_limited: bool
    memory_limit: str
    reason: str | None
    cores: int


@dataclass
class Invocation:
    """One invocation: its record, what the handler returned and what it logged."""

    record: dict[str, Any]
    response: Any = None
    error_message: str | None = None
    logs: tuple[str, ...] = ()


def check_handler(handler: str) -> None:
    """Validate a handler spec without importing it.

    Raises:
        UsageError: not ``path/to/file.py:func`` or ``package.module:func``.
        NotFoundError: the file does not exist.
    """
    target, sep, name = handler.rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise UsageError(f"handler {handler!r} is not FILE.py:FUNCTION or MODULE:FUNCTION",
                         hint="For example examples/digits.py:handler or mypkg.app:handler.")
    if target.endswith(".py"):
        if not Path(target).is_file():
            raise NotFoundError(f"handler file {target} does not exist",
                                hint="Give the path to the .py file, relative to this directory.")
    elif not _MODULE_PATH.fullmatch(target):
        raise UsageError(f"handler module {target!r} is not a dotted module name",
                         hint="Use package.module:function, or a path ending in .py.")


def _check_settings(memory_mb: int, keep_alive_s: float, timeout_s: float,
                    max_concurrency: int) -> None:
    check_memory_mb(memory_mb)
    limits.KEEP_ALIVE_S.check(keep_alive_s, option="--keep-alive")
    check_timeout_s(timeout_s)
    limits.CONCURRENCY_LIMIT.check(max_concurrency, option="--max-concurrency")


class LocalTarget(Target):
    """A Lambda handler served by worker processes on this machine.

    Args:
        handler: ``path/to/file.py:func`` or ``package.module:func`` (``handler(event, context)``).
        memory_mb: memory size; sets the worker's memory limit and CPU share.
        keep_alive_s: an idle worker older than this is stopped (the next request is cold).
        timeout_s: the invocation timeout (the handler's time, as on Lambda).
        max_concurrency: most workers at once; a request beyond is throttled.
        function_name: the name in records and in the context (default: from the handler).
        log_path: append START/END/REPORT lines here (None: no log).
        routing: which idle worker serves a request, one of :data:`advisor.simulate.routing.ROUTING_CODES`.
        isolation: ``auto`` (cgroups when writable), ``cgroup`` (require them) or ``none``.
        seed: for ``random`` routing.

    Raises:
        UsageError, NotFoundError: bad handler spec or settings.
        TargetError: ``isolation="cgroup"`` and cgroups cannot be used.
    """

    def __init__(self, handler: str, *, memory_mb: int = DEFAULT_MEMORY_MB,
                 keep_alive_s: float = DEFAULT_KEEP_ALIVE_S, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_concurrency: int = DEFAULT_MAX_CONCURRENCY, function_name: str | None = None,
                 log_path: Path | None = None, routing: str = DEFAULT_ROUTING,
                 isolation: str = "auto", seed: int = 0) -> None:
        check_handler(handler)
        _check_settings(memory_mb, keep_alive_s, timeout_s, max_concurrency)
        routing_code(routing)
        if isolation not in ISOLATIONS:
            raise UsageError(f"isolation {isolation!r} is not one of {', '.join(ISOLATIONS)}")
        self.handler = handler
        self.function_name = function_name or _default_name(handler)
        self._initial = (memory_mb, keep_alive_s, timeout_s, max_concurrency)
        self.memory_mb, self.keep_alive_s, self.timeout_s, self.max_concurrency = self._initial
        self.routing = routing
        self._random = random.Random(seed)
        self._log = lambda_log.LogWriter(log_path) if log_path is not None else None
        self._lock = threading.Lock()
        self._environments: list[Environment] = []
        self._closed = False
        self._cgroups, self.limits = _make_cgroups(isolation)
        self._wake = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="advisor-local-reaper", daemon=True)
        self._reaper.start()
        atexit.register(self.close)

    # -- the Target contract -------------------------------------------------------

    def configure(self, memory_mb: int, *, keep_alive_s: float | None = None,
                  timeout_s: float | None = None, max_concurrency: int | None = None,
                  architecture: str | None = None, **options: Any) -> None:
        """Change the memory size (and optionally keep-alive, timeout, concurrency).

        Workers started at another memory size are stopped: the next request is cold.
        ``architecture`` may only be this machine's (checked by the contract).
        """
        if options:
            raise UsageError(f"LocalTarget has no option {sorted(options)[0]!r}")
        keep_alive_s = self.keep_alive_s if keep_alive_s is None else keep_alive_s
        timeout_s = self.timeout_s if timeout_s is None else timeout_s
        max_concurrency = self.max_concurrency if max_concurrency is None else max_concurrency
        _check_settings(memory_mb, keep_alive_s, timeout_s, max_concurrency)
        if memory_mb != self.memory_mb:
            self._stop_all()
        self.memory_mb, self.keep_alive_s = memory_mb, keep_alive_s
        self.timeout_s, self.max_concurrency = timeout_s, max_concurrency
        self._wake.set()

    def invoke(self, payload: Any) -> dict[str, Any]:
        """Invoke the handler once; returns the invocation record (see :class:`Target`)."""
        return self.call(payload).record

    def force_cold(self) -> None:
        """Recycle the workers: the next request starts a new one at the same memory size.

        Idle workers stop now; a busy one finishes its request and is stopped then.
        """
        with self._lock:
            for environment in self._environments:
                if environment.busy:
                    environment.dead = True  # released, then stopped (see _release)
        self._stop_all()

    def architectures(self) -> tuple[str, ...]:
        """This machine's architecture only: the workers run on it."""
        return (_architecture(),)

    def restore(self) -> None:
        """Stop every worker and go back to the settings given at construction."""
        self.configure(self._initial[0], keep_alive_s=self._initial[1], timeout_s=self._initial[2],
                       max_concurrency=self._initial[3])
        self._stop_all()

    def close(self) -> None:
        """Stop the workers and remove the cgroups. Idempotent; also runs at exit."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        self._stop_all(busy_too=True)  # also on Ctrl-C in the middle of requests
        if self._cgroups is not None:
            self._cgroups.close()
        atexit.unregister(self.close)

    def describe(self) -> dict[str, Any]:
        """How this target measures: CPU limiting (with the reason when off), memory policing."""
        return {
            "cpu_limited": self.limits.cpu_limited,
            "cpu_limit_reason": self.limits.reason,
            "memory_limit": self.limits.memory_limit,
            "vcpus": round(_cgroup.vcpus_for(self.memory_mb, self.limits.cores), 3),
            "cores": self.limits.cores,
            "usable_cores": _cgroup.usable_cores(self.limits.cores),
        }

    @property
    def workers(self) -> int:
        """How many workers (busy or idle) exist now."""
        with self._lock:
            return len(self._environments)

    # -- invocations --------------------------------------------------------------

    def call(self, payload: Any) -> Invocation:
        """Invoke the handler once and return the record with the response and the logs.

        Raises:
            UsageError: ``payload`` is not JSON-serialisable.
            ThrottledError: every worker is busy and the concurrency limit is reached.
            TargetError: the handler cannot be loaded (import error, missing function).
        """
        try:
            event = json.dumps(payload)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"the payload is not JSON: {exc}") from exc
        environment, cold = self._acquire()
        try:
            return self._run(environment, cold, event)
        except BaseException:
            environment.dead = True
            raise
        finally:
            self._release(environment)

    def _acquire(self) -> tuple[Environment, bool]:
        with self._lock:
            if self._closed:
                raise TargetError("the local target is closed")
            expired = self._expire_locked(time.monotonic())
            idle = [e for e in self._environments if not e.busy and not e.dead]
            if idle:
                environment, cold = self._route(idle), False
            elif len(self._environments) < self.max_concurrency:
                environment, cold = self._new_environment(), True
                self._environments.append(environment)
            else:
                environment = None
            if environment is not None:
                environment.busy = True
        _stop(expired, self._cgroups)
        if environment is None:
            raise ThrottledError(
                f"throttled: all {self.max_concurrency} workers are busy",
                hint="Raise the concurrency limit (--max-concurrency) to serve more at once.")
        return environment, cold

    def _route(self, idle: list[Environment]) -> Environment:
        if self.routing == "random":
            return self._random.choice(idle)
        key = {"mru": lambda e: e.last_end, "lru": lambda e: -e.last_end,
               "newest": lambda e: e.created, "oldest": lambda e: -e.created}[self.routing]
        return max(idle, key=key)

    def _new_environment(self) -> Environment:
        slot = self._cgroups.slot(self.memory_mb) if self._cgroups is not None else None
        env = dict(os.environ)
        env.update({
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": lambda_log.VERSION,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "_HANDLER": self.handler,
        })
        return Environment(self.handler, self.memory_mb, lambda_log.new_log_stream(_now()), env,
                           slot, police_rss=self.limits.memory_limit != "cgroup")

    def _release(self, environment: Environment) -> None:
        with self._lock:
            environment.busy = False
            environment.last_end = time.monotonic()
            gone = environment.dead or environment.memory_mb != self.memory_mb or self._closed
            if gone and environment in self._environments:
                self._environments.remove(environment)
        if gone:
            _stop([environment], self._cgroups)

    def _expire_locked(self, now: float) -> list[Environment]:
        expired = [e for e in self._environments
                   if not e.busy and e.last_end + self.keep_alive_s <= now]
        for environment in expired:
            self._environments.remove(environment)
        return expired

    def _reap(self) -> None:
        """Stop idle workers as their keep-alive passes (requests also check it exactly)."""
        while True:
            interval = min(_REAP_MAX_INTERVAL_S, max(_REAP_MIN_INTERVAL_S, self.keep_alive_s / 10))
            self._wake.wait(interval)
            self._wake.clear()
            with self._lock:
                if self._closed:
                    return
                expired = self._expire_locked(time.monotonic())
            _stop(expired, self._cgroups)

    def _stop_all(self, *, busy_too: bool = False) -> None:
        with self._lock:
            chosen = [e for e in self._environments if busy_too or not e.busy]
            for environment in chosen:
                self._environments.remove(environment)
        _stop(chosen, self._cgroups)

    def _run(self, environment: Environment, cold: bool, event: str) -> Invocation:
        request_id = str(uuid.uuid4())
        events: list[tuple[datetime, str]] = []
        init_ms: float | None = None
        if cold:
            events.append((_now(), lambda_log.init_start_line()))
            init_ms, failure = self._initialise(environment, events)
            if failure is not None:
                return self._finish(environment, request_id, events, failure, 0.0, init_ms)
        events.append((_now(), lambda_log.start_line(request_id)))
        deadline_ms = int(time.time() * 1000 + self.timeout_s * 1000)
        environment.send({"request_id": request_id, "event": event, "deadline_ms": deadline_ms,
                          "function_arn": self._arn()})
        sent = time.monotonic()
        reply = environment.receive(sent + self.timeout_s)
        elapsed_ms = (time.monotonic() - sent) * 1000.0
        return self._finish(environment, request_id, events, reply, elapsed_ms, init_ms)

    def _initialise(self, environment: Environment,
                    events: list[tuple[datetime, str]]) -> tuple[float, Failure | None]:
        started = time.monotonic()
        environment.start()
        ready = environment.receive(started + INIT_LIMIT_S + self.timeout_s)
        init_ms = (time.monotonic() - started) * 1000.0
        if isinstance(ready, Failure):
            if ready is Failure.EXITED:
                raise TargetError(f"the worker for {self.handler} exited during init: "
                                  f"{environment.stderr_tail() or 'no message'}")
            return init_ms, ready
        if not ready["ready"]:
            raise TargetError(f"handler {self.handler} failed to initialise "
                              f"({ready['error_type']}): {ready['error_message']}",
                              hint="Fix the handler so that it imports; run it with python to see the traceback.")
        events.extend((_now(), line) for line in ready["logs"])
        return init_ms, None

    def _finish(self, environment: Environment, request_id: str,
                events: list[tuple[datetime, str]], reply: dict[str, Any] | Failure,
                elapsed_ms: float, init_ms: float | None) -> Invocation:
        end = _now()
        if isinstance(reply, Failure):
            outcome = self._failure_outcome(environment, reply, elapsed_ms, end, request_id, events)
        else:
            outcome = self._reply_outcome(environment, reply, events)
        status, error_type, duration_ms, max_memory_mb, response, message = outcome
        record = self._record(request_id, end, duration_ms, init_ms, max_memory_mb, status,
                              error_type, environment.log_stream)
        events.append((end, lambda_log.end_line(request_id)))
        events.append((end, lambda_log.report_line(record)))
        if self._log is not None:
            self._log.write(environment.log_stream, events)
        return Invocation(record, response, message, tuple(m for _, m in events))

    def _reply_outcome(self, environment: Environment, reply: dict[str, Any],
                       events: list[tuple[datetime, str]]) -> tuple[Any, ...]:
        now = _now()
        events.extend((now, line) for line in reply["logs"])
        max_memory_mb = math.ceil(reply["max_rss_kb"] / KIB_PER_MIB)
        status, error_type = reply["status"], reply["error_type"]
        if environment.police_rss and max_memory_mb > self.memory_mb:
            status, error_type = STATUS_ERROR, OUT_OF_MEMORY
        if error_type == OUT_OF_MEMORY:
            environment.kill()  # Lambda replaces an environment that ran out of memory
        elif status == STATUS_ERROR:
            events.append((now, f"[ERROR] {error_type}: {reply['error_message']}"))
            events.extend((now, line) for line in reply.get("traceback", []))
        response = json.loads(reply["response"]) if status == STATUS_SUCCESS else None
        return status, error_type, reply["duration_ms"], max_memory_mb, response, reply["error_message"]

    def _failure_outcome(self, environment: Environment, failure: Failure, elapsed_ms: float,
                         end: datetime, request_id: str,
                         events: list[tuple[datetime, str]]) -> tuple[Any, ...]:
        peak = environment.peak_rss_mb()
        environment.kill()
        measured = environment.slot.max_usage_mb() if environment.slot is not None else None
        max_memory_mb = max(peak, measured or 0, environment.observed_peak_mb)
        if failure is Failure.TIMEOUT:
            events.append((end, lambda_log.timeout_line(end, request_id, self.timeout_s)))
            return STATUS_TIMEOUT, None, self.timeout_s * 1000.0, max_memory_mb, None, "timed out"
        if failure is Failure.OUT_OF_MEMORY:
            return STATUS_ERROR, OUT_OF_MEMORY, elapsed_ms, max_memory_mb, None, "out of memory"
        detail = environment.stderr_tail() or "the worker process exited"
        events.append((end, f"[ERROR] {EXIT_ERROR}: {detail}"))
        return STATUS_ERROR, EXIT_ERROR, elapsed_ms, max_memory_mb, None, detail

    def _record(self, request_id: str, end: datetime, duration_ms: float, init_ms: float | None,
                max_memory_mb: int, status: str, error_type: str | None,
                log_stream: str) -> dict[str, Any]:
        duration_ms = round(duration_ms, 2)
        init_ms = None if init_ms is None else round(init_ms, 2)
        return {
            "function": self.function_name,
            "request_id": request_id,
            "start_time": end - timedelta(milliseconds=duration_ms + (init_ms or 0.0)),
            "end_time": end,
            "duration_ms": duration_ms,
            "billed_duration_ms": billed_ms(duration_ms, init_ms),
            "memory_mb": self.memory_mb,
            "max_memory_used_mb": max_memory_mb,
            "init_ms": init_ms,
            "restore_ms": None,
            "billed_restore_ms": None,
            "status": status,
            "error_type": error_type,
            "log_stream": log_stream,
            "architecture": _architecture(),
        }

    def _arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"


def billed_ms(duration_ms: float, init_ms: float | None) -> int:
    """Lambda's billed duration: 1 ms granularity, rounded up; init included (managed runtimes
    since 1 Aug 2025), computed from the two-decimal values the REPORT line shows."""
    total = Decimal(f"{duration_ms:.2f}") + Decimal(f"{init_ms or 0.0:.2f}")
    return int(total.to_integral_value(rounding=ROUND_CEILING))


def _make_cgroups(isolation: str) -> tuple[_cgroup.Cgroups | None, Limits]:
    cores = _cgroup.machine_cores()
    if isolation == "none":
        return None, Limits(False, "rss-polling", "cgroups turned off (isolation='none')", cores)
    found = _cgroup.probe()
    reason = found.reason
    cgroups = None
    if found.cpu is not None or found.memory is not None:
        try:
            cgroups = _cgroup.Cgroups(found)
        except OSError as exc:
            reason = f"cannot create cgroups ({exc})"
    cpu = cgroups is not None and cgroups.limits_cpu
    memory = cgroups is not None and cgroups.limits_memory
    if isolation == "cgroup" and not (cpu and memory):
        if cgroups is not None:
            cgroups.close()
        raise TargetError(f"cgroup limits are not available: {reason}",
                          hint="Run as root on Linux with cgroup v1, or use isolation='auto'.")
    return cgroups, Limits(cpu, "cgroup" if memory else "rss-polling", reason, cores)


def _stop(environments: list[Environment], cgroups: _cgroup.Cgroups | None) -> None:
    for environment in environments:
        environment.stop()
        if cgroups is not None and environment.slot is not None:
            cgroups.release(environment.slot)


def _now() -> datetime:
    """UTC now at millisecond precision, as CloudWatch timestamps events."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _default_name(handler: str) -> str:
    target = handler.rpartition(":")[0]
    return Path(target).stem if target.endswith(".py") else target.rpartition(".")[2]


def _architecture() -> str:
    return architecture_of(platform.machine())
