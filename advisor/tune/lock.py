"""One tuning per function: an OS file lock that names its holder.

The lock is ``fcntl.flock`` on ``<workspace>/tune/locks/<function>.lock``. The kernel drops it
when the holding process ends, however it ends (SIGKILL included), so a killed tuner never
leaves a lock that blocks the next one; the file keeps the last holder's pid, host, start
time and study, which name it to a second tuner that is refused, or say whose lock was taken
over when that process is gone. ``flock`` is per host: a workspace on a network file system
shared by several machines is not protected across them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from advisor.errors import TargetError

#: Where the locks live, under the workspace directory.
LOCK_DIR = Path("tune") / "locks"
_UNSAFE = re.compile(r"[^\w.-]")
#: A holder's ``study`` that starts so is a command holding the lock (``advisor apply``,
#: ``advisor restore``), not a tuning's study.
COMMAND_PREFIX = "advisor "


class TuningLockedError(TargetError):
    """Another process is tuning the same function."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a function's tuning lock."""

    pid: int
    host: str
    started: str
    study: str | None

    def describe(self) -> str:
        """``pid 123 on host-a since 2026-12-06T15:00:00Z (study nightly)``, or ``(advisor apply)``."""
        study = "" if not self.study else f" ({self.study})" if self.study.startswith(COMMAND_PREFIX) \
            else f" (study {self.study})"
        return f"pid {self.pid} on {self.host} since {self.started}{study}"


def lock_path(workspace: Path, function: str) -> Path:
    """The lock file of ``function`` in ``workspace``."""
    return workspace / LOCK_DIR / f"{_UNSAFE.sub('_', function)}.lock"


class TuneLock:
    """The tuning lock of one function; a context manager.

    Args:
        workspace: The workspace directory.
        function: The function being tuned.
        study: The study name, shown to a second tuner.

    Attributes:
        taken_over: The earlier holder whose process had ended without releasing the file
            (its lock was dropped by the kernel), or None.
    """

    def __init__(self, workspace: Path, function: str, *, study: str | None = None) -> None:
        self.path = lock_path(workspace, function)
        self.function = function
        self.study = study
        self.taken_over: Holder | None = None
        self._fd: int | None = None

    def acquire(self) -> Self:
        """Take the lock or refuse.

        Raises:
            TuningLockedError: another live process holds it (named in the message).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            who = holder.describe() if holder else "another process"
            doing = "changed" if holder and (holder.study or "").startswith(COMMAND_PREFIX) else "tuned"
            raise TuningLockedError(
                f"{self.function} is already being {doing} by {who}; lock {self.path}",
                hint="Wait for it to finish, or stop it (Ctrl-C restores the function) and run again.",
            ) from None
        previous = _read(fd)
        if previous is not None and not _same_process(previous):
            self.taken_over = previous  # it ended without releasing (killed): the kernel dropped its lock
        me = Holder(os.getpid(), socket.gethostname(), _now(), self.study)
        _write(fd, me)
        self._fd = fd
        return self

    def release(self) -> None:
        """Clear the holder and drop the lock. Idempotent."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def takeover_message(self) -> str | None:
        """The line that says whose stale lock was taken over, or None."""
        if self.taken_over is None:
            return None
        return (f"took over the tuning lock of {self.function} from {self.taken_over.describe()}: "
                f"that process is gone")

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def read_holder(workspace: Path, function: str) -> Holder | None:
    """The holder recorded in ``function``'s lock file (None: no file or no holder)."""
    path = lock_path(workspace, function)
    with contextlib.suppress(FileNotFoundError):
        fd = os.open(path, os.O_RDONLY)
        try:
            return _read(fd)
        finally:
            os.close(fd)
    return None


def _read(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 4096).decode("utf-8", errors="replace")
    try:
        data: Any = json.loads(text)
        return Holder(int(data["pid"]), str(data["host"]), str(data["started"]), data.get("study"))
    except (ValueError, KeyError, TypeError):
        return None  # empty (released) or not ours


def _write(fd: int, holder: Holder) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps(asdict(holder)).encode())
    os.fsync(fd)


def _same_process(holder: Holder) -> bool:
    return holder.pid == os.getpid() and holder.host == socket.gethostname()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
