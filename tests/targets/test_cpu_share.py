"""CPU follows memory as on Lambda (1,769 MB = 1 vCPU) through cgroup CPU quotas."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.targets._cgroup import quota_us_for, vcpus_for

#: A single-threaded loop of about 0.15 s at one full vCPU on this machine.
SPIN = {"n": 3_000_000}
RUNS = 7
#: "No faster": more vCPUs cannot speed up one thread; allow this much timing noise (a
#: shared 2-core machine; a 1,769 MB quota set too low would give about 0.5).
NOISE = 0.85


def _warm(local_target, memory_mb: int):
    target = local_target("spin", memory_mb=memory_mb, timeout_s=30)
    assert target.describe()["cpu_limited"] is True, target.describe()["cpu_limit_reason"]
    target.call({"n": 1})  # the cold start is not measured
    return target


@pytest.mark.timing
def test_half_the_memory_takes_about_twice_as_long_and_double_is_no_faster(local_target):
    targets = {m: _warm(local_target, m) for m in (885, 1769, 3538)}
    durations: dict[int, list[float]] = {m: [] for m in targets}
    for _ in range(RUNS):  # interleaved, so a busy moment on the machine hits every size
        for memory_mb, target in targets.items():
            durations[memory_mb].append(target.call(SPIN).record["duration_ms"])
    # The fastest of the runs at each size: the least disturbed by other work on this shared
    # machine (other processes can only slow a run down, never speed it up).
    half, one, two = (min(durations[m]) for m in (885, 1769, 3538))
    slower, faster = half / one, two / one

    assert 1.6 <= slower <= 2.5, durations
    assert faster >= NOISE, durations


@pytest.mark.parametrize(("memory_mb", "cores", "vcpus", "quota"), [
    (128, 2, 128 / 1769, 1_447),  # of a 20 ms period
    (885, 2, 885 / 1769, 10_006),
    (1769, 2, 1.0, 20_000),
    (3538, 2, 1.75, 35_000),  # capped at the cores less a quarter core for the driver
    (10240, 2, 1.75, 35_000),
    (3538, 1, 1.0, 20_000),   # ... but never below one core
    (10240, 8, 10240 / 1769, 115_772),
])
def test_the_quota_is_lambdas_vcpu_share_capped_at_the_usable_cores(memory_mb, cores, vcpus, quota):
    assert vcpus_for(memory_mb, cores) == pytest.approx(vcpus)
    assert quota_us_for(memory_mb, cores) == quota


def test_own_cgroups_are_found_from_proc_self_cgroup_and_mountinfo():
    from advisor.targets._cgroup import _own_paths, _v1_mounts

    own = _own_paths("4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/\n")
    mounts = _v1_mounts(
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "35 31 0:32 /docker/x /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n")

    assert own == {"memory": "/process_api/abc", "cpu": "/", "cpuacct": "/"}
    assert mounts["cpu"] == (Path("/sys/fs/cgroup/cpu,cpuacct"), "/")
    assert mounts["memory"] == (Path("/sys/fs/cgroup/memory"), "/docker/x")
    assert "" not in mounts and "cgroup2" not in mounts
