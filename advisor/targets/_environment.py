"""One local execution environment: a worker process, its pipes and its cgroups.

The parent side of :mod:`advisor.targets._worker`. It starts the process (inside
its cgroups from the first instruction when there are cgroups), sends requests and
waits for replies while watching the deadline, the process's life and, without a
memory cgroup, its peak RSS.
"""

from __future__ import annotations

import contextlib
import enum
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from advisor.errors import TargetError
from advisor.targets._cgroup import Slot
from advisor.units import KIB_PER_MIB

#: How often the parent checks a busy worker's peak RSS when no memory cgroup polices it.
RSS_POLL_S = 0.005
#: How often the parent checks that a busy worker is still alive otherwise.
LIVENESS_POLL_S = 0.1
#: How long a worker may take to exit after its pipe closes before it is killed.
SHUTDOWN_GRACE_S = 0.2
#: Put the process in its cgroups, then become the worker: limits apply from interpreter start.
_ENTER_CGROUPS = ('for f in "$@"; do case "$f" in --) shift; break;; esac; echo $$ > "$f" || exit 97; shift; done; '
                  'exec "$@"')
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class Failure(enum.Enum):
    """Why no reply came."""

    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out-of-memory"
    EXITED = "exited"


@dataclass
class Environment:
    """A worker process serving one handler at one memory size.

    Args:
        handler: ``path/to/file.py:func`` or ``package.module:func``.
        memory_mb: the configured memory size.
        log_stream: this environment's log stream name.
        env: environment variables for the process (Lambda's are added here).
        slot: its cgroups, or None to run without them.
        police_rss: end the invocation as out of memory when peak RSS passes ``memory_mb``
            (used when there is no memory cgroup).
    """

    handler: str
    memory_mb: int
    log_stream: str
    env: dict[str, str]
    slot: Slot | None
    police_rss: bool
    busy: bool = False
    dead: bool = False
    created: float = field(default_factory=time.monotonic)
    last_end: float = 0.0
    #: The highest peak RSS (MB) the parent saw while policing memory.
    observed_peak_mb: int = 0
    process: subprocess.Popen[bytes] | None = None
    _requests: Connection | None = None
    _replies: Connection | None = None
    _stderr: Any = None

    def start(self) -> None:
        """Start the process; it loads the handler and then sends a ready (or init error) reply."""
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        command = [sys.executable, "-m", "advisor.targets._worker",
                   str(request_read), str(reply_write), self.handler]
        if self.slot is not None:
            command = ["/bin/sh", "-c", _ENTER_CGROUPS, "sh",
                       *map(str, self.slot.procs_files), "--", *command]
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the worker writes it for its whole life
        try:
            self.process = subprocess.Popen(
                command, pass_fds=(request_read, reply_write), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=self._stderr, env=self._process_env(),
                start_new_session=True)
        finally:
            os.close(request_read)
            os.close(reply_write)
        self._requests = Connection(request_write, readable=False)
        self._replies = Connection(reply_read, writable=False)

    def _process_env(self) -> dict[str, str]:
        env = dict(self.env)
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = self.log_stream
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        return env

    def send(self, request: dict[str, Any]) -> None:
        """Send one request document."""
        requests = self._requests
        if requests is None:
            raise TargetError("the worker was stopped")
        requests.send_bytes(json.dumps(request).encode())

    def receive(self, deadline: float) -> dict[str, Any] | Failure:
        """Wait for the next reply until ``deadline`` (``time.monotonic()``)."""
        replies, process = self._replies, self.process  # stop() may clear them meanwhile
        assert replies is not None and process is not None
        interval = RSS_POLL_S if self.police_rss else LIVENESS_POLL_S
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Failure.TIMEOUT
            try:
                if replies.poll(min(remaining, interval)):
                    return json.loads(replies.recv_bytes())
            except (EOFError, OSError):
                return self._died()
            if self.police_rss:
                self.observed_peak_mb = max(self.observed_peak_mb, self.peak_rss_mb())
            if self.observed_peak_mb > self.memory_mb:
                self.kill()
                return Failure.OUT_OF_MEMORY
            if process.poll() is not None:
                return self._died()

    def _died(self) -> Failure:
        assert self.process is not None
        self.process.wait()
        self.dead = True
        if self.slot is not None and self.slot.oom_kills() > 0:
            return Failure.OUT_OF_MEMORY
        return Failure.EXITED

    def peak_rss_mb(self) -> int:
        """The process's peak resident memory (VmHWM) in MB; 0 once it has exited."""
        assert self.process is not None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return math.ceil(int(line.split()[1]) / KIB_PER_MIB)
        return 0

    def stderr_tail(self, limit: int = 2000) -> str:
        """What the process wrote to its stderr outside the handler (interpreter errors)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:].strip()

    def kill(self) -> None:
        """Kill the process and everything it started."""
        self.dead = True
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Shut down: close the pipe, give the worker a moment to exit, then kill it."""
        self.dead = True
        for conn in (self._requests, self._replies):
            if conn is not None:
                conn.close()
        self._requests = self._replies = None
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(SHUTDOWN_GRACE_S)
        self.kill()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
