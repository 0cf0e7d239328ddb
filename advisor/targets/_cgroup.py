"""cgroup v1 limits for local workers: CPU in proportion to memory, and the memory size.

Each worker gets its own child cgroup (one per controller) under a group made for
the target, itself a child of *this process's own* cgroup in each hierarchy (read
from ``/proc/self/cgroup``). Only worker processes ever enter these groups, and they
enter them themselves before their interpreter starts; nothing else is moved. Groups
are removed when their worker stops, when the target closes, and at exit; groups
left behind by a process that was killed are swept the next time one is made.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import math
import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from advisor.platform.aws_lambda import vcpus
from advisor.units import BYTES_PER_MIB

#: A short CFS period (the kernel's default is 100 ms) spreads a worker's share evenly over
#: a request instead of in 100 ms bursts; 20 ms keeps 128 MB's quota above the 1 ms minimum.
CFS_PERIOD_US = 20_000
#: The kernel refuses quotas below 1 ms.
MIN_QUOTA_US = 1_000
#: ``cpu.shares`` of the target's CPU group (the default is 1,024 per group or task):
#: high, so that a worker gets its quota's worth of CPU when the machine is busy with
#: other work (Lambda's vCPU share is the function's alone). The quotas cap each worker,
#: and the group's quota leaves DRIVER_RESERVE_CORES to everything else.
TARGET_CPU_SHARES = 65_536
#: CPU kept out of the workers' reach (a quota on the target's group) so that the process
#: sending requests and timing them keeps running when the workers saturate the machine.
DRIVER_RESERVE_CORES = 0.25
GROUP_PREFIX = "advisor-"
_RMDIR_TRIES = 50
_RMDIR_PAUSE_S = 0.01
_counter = itertools.count()


def machine_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0))


def usable_cores(cores: int | None = None) -> float:
    """The CPU the workers may use: the machine's cores less the driver's reserve (at least 1)."""
    return max((cores or machine_cores()) - DRIVER_RESERVE_CORES, 1.0)


def vcpus_for(memory_mb: int, cores: int | None = None) -> float:
    """Lambda's CPU share for ``memory_mb`` (:func:`advisor.platform.aws_lambda.vcpus`), capped at
    :func:`usable_cores`."""
    return min(float(vcpus(memory_mb)), usable_cores(cores))


def quota_us_for(memory_mb: int, cores: int | None = None) -> int:
    """``cpu.cfs_quota_us`` for ``memory_mb`` with the period :data:`CFS_PERIOD_US`."""
    return max(MIN_QUOTA_US, round(vcpus_for(memory_mb, cores) * CFS_PERIOD_US))


def workers_quota_us(cores: int | None = None) -> int:
    """The quota of all of a target's workers together: the machine less the driver's reserve."""
    return round(usable_cores(cores) * CFS_PERIOD_US)


@dataclass(frozen=True)
class Hierarchies:
    """Where this process's own cgroups are, per controller (None: not usable)."""

    cpu: Path | None
    memory: Path | None
    reason: str | None  # why a controller is unusable, for the user


def probe() -> Hierarchies:
    """Find this process's own cpu and memory cgroup v1 directories and check they are writable."""
    try:
        own = _own_paths(Path("/proc/self/cgroup").read_text())
        mounts = _v1_mounts(Path("/proc/self/mountinfo").read_text())
    except OSError as exc:
        return Hierarchies(None, None, f"cannot read /proc ({exc.strerror}); not Linux?")
    found: dict[str, Path | None] = {}
    reasons: list[str] = []
    for controller in ("cpu", "memory"):
        if controller not in own or controller not in mounts:
            found[controller] = None
            reasons.append(f"no cgroup v1 '{controller}' hierarchy is mounted")
            continue
        mount_point, mount_root = mounts[controller]
        relative = os.path.relpath(own[controller], mount_root)
        path = (mount_point / relative).resolve() if relative != "." else mount_point
        if not os.access(path, os.W_OK):
            found[controller] = None
            reasons.append(f"{path} is not writable (run as root to limit workers)")
            continue
        found[controller] = path
        _sweep_stale(path)
    return Hierarchies(found["cpu"], found["memory"], "; ".join(reasons) or None)


def _own_paths(text: str) -> dict[str, str]:
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[1]:
            for controller in parts[1].split(","):
                paths[controller] = parts[2]
    return paths


def _v1_mounts(text: str) -> dict[str, tuple[Path, str]]:
    """controller -> (mount point, root inside the hierarchy) for cgroup v1 mounts."""
    mounts: dict[str, tuple[Path, str]] = {}
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(tail) < 3 or tail[0] != "cgroup":
            continue
        for option in tail[2].split(","):
            mounts.setdefault(option, (Path(fields[4]), fields[3]))
    return mounts


def _sweep_stale(parent: Path) -> None:
    """Remove empty groups left by advisor processes that no longer exist."""
    for group in parent.glob(f"{GROUP_PREFIX}*"):
        match = re.fullmatch(rf"{GROUP_PREFIX}(\d+)-\d+", group.name)
        if match is None or _alive(int(match.group(1))):
            continue
        for child in group.glob("w*"):
            _try_rmdir(child)
        _try_rmdir(group)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _try_rmdir(path: Path) -> bool:
    try:
        path.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


class Slot:
    """One worker's cgroups: its CPU quota and memory limit."""

    def __init__(self, dirs: list[Path], memory_dir: Path | None) -> None:
        self.dirs = dirs
        self.memory_dir = memory_dir

    @property
    def procs_files(self) -> list[Path]:
        """The ``cgroup.procs`` files the worker writes its pid into before it starts."""
        return [d / "cgroup.procs" for d in self.dirs]

    def max_usage_mb(self) -> int | None:
        """Peak memory charged to the group, in MB (includes page cache)."""
        value = self._read_int("memory.max_usage_in_bytes")
        return None if value is None else math.ceil(value / BYTES_PER_MIB)

    def oom_kills(self) -> int:
        """How many processes the kernel killed in this group for exceeding its limit."""
        if self.memory_dir is None:
            return 0
        try:
            text = (self.memory_dir / "memory.oom_control").read_text()
        except OSError:
            return 0
        match = re.search(r"^oom_kill (\d+)$", text, re.MULTILINE)
        if match:
            return int(match.group(1))
        return self._read_int("memory.failcnt") or 0

    def _read_int(self, name: str) -> int | None:
        if self.memory_dir is None:
            return None
        try:
            return int((self.memory_dir / name).read_text())
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        """Kill anything still in the groups (only our worker's descendants can be) and remove them."""
        for directory in self.dirs:
            for _ in range(_RMDIR_TRIES):
                if _try_rmdir(directory):
                    break
                _kill_members(directory)
                time.sleep(_RMDIR_PAUSE_S)


def _kill_members(directory: Path) -> None:
    try:
        pids = [int(p) for p in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Cgroups:
    """The cgroups of one target: a group per controller, a child per worker.

    Args:
        hierarchies: from :func:`probe`; controllers that are None are skipped.
    """

    def __init__(self, hierarchies: Hierarchies) -> None:
        name = f"{GROUP_PREFIX}{os.getpid()}-{next(_counter)}"
        self._parents: list[Path] = []
        self._memory_parent: Path | None = None
        self._slots: list[Slot] = []
        self._workers = itertools.count()
        self._cpu_parent = hierarchies.cpu / name if hierarchies.cpu else None
        atexit.register(self.close)
        try:
            for root in (hierarchies.cpu, hierarchies.memory):
                if root is not None:
                    self._make_parent(root / name, cpu=root == hierarchies.cpu)
        except OSError:
            self.close()  # nothing half-made is left behind
            raise

    def _make_parent(self, parent: Path, *, cpu: bool) -> None:
        parent.mkdir()
        self._parents.append(parent)
        if cpu:
            (parent / "cpu.shares").write_text(str(TARGET_CPU_SHARES))
            (parent / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
            (parent / "cpu.cfs_quota_us").write_text(str(workers_quota_us()))
        else:
            self._memory_parent = parent

    @property
    def limits_cpu(self) -> bool:
        return self._cpu_parent is not None

    @property
    def limits_memory(self) -> bool:
        return self._memory_parent is not None

    def slot(self, memory_mb: int) -> Slot:
        """Make the groups for one worker with Lambda's CPU share and memory limit for ``memory_mb``."""
        name = f"w{next(self._workers)}"
        dirs: list[Path] = []
        memory_dir = None
        try:
            if self._cpu_parent is not None:
                cpu_dir = self._cpu_parent / name
                cpu_dir.mkdir()
                dirs.append(cpu_dir)
                (cpu_dir / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
                (cpu_dir / "cpu.cfs_quota_us").write_text(str(quota_us_for(memory_mb)))
            if self._memory_parent is not None:
                memory_dir = self._memory_parent / name
                memory_dir.mkdir()
                dirs.append(memory_dir)
                limit = str(memory_mb * BYTES_PER_MIB)
                (memory_dir / "memory.limit_in_bytes").write_text(limit)
                swap_limit = memory_dir / "memory.memsw.limit_in_bytes"
                if swap_limit.exists():  # no swapping past the limit either
                    swap_limit.write_text(limit)
        except OSError:
            Slot(dirs, memory_dir).remove()
            raise
        slot = Slot(dirs, memory_dir)
        self._slots.append(slot)
        return slot

    def release(self, slot: Slot) -> None:
        """Remove one worker's groups (its process has exited)."""
        slot.remove()
        if slot in self._slots:
            self._slots.remove(slot)

    def close(self) -> None:
        """Remove every group this object made. Safe to call more than once."""
        for slot in list(self._slots):
            self.release(slot)
        for parent in self._parents:
            for _ in range(_RMDIR_TRIES):
                if _try_rmdir(parent):
                    break
                time.sleep(_RMDIR_PAUSE_S)
        self._parents = []
        atexit.unregister(self.close)
