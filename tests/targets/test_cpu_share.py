"""CPU follows memory as on Lambda (1,769 MB = 1 vCPU) through cgroup CPU quotas."""

from __future__ import annotations

import statistics

import pytest

from advisor.targets._cgroup import quota_us_for, vcpus_for

#: A single-threaded loop of about 0.15 s at one full vCPU on this machine.
SPIN = {"n": 3_000_000}
RUNS = 5
#: "No faster": more vCPUs cannot speed up one thread; allow this much timing noise.
NOISE = 0.85


def _median_ms(local_target, memory_mb: int) -> float:
    target = local_target("spin", memory_mb=memory_mb, timeout_s=30)
    assert target.describe()["cpu_limited"] is True, target.describe()["cpu_limit_reason"]
    target.call({"n": 1})  # cold start outside the measurement
    return statistics.median(target.call(SPIN).record["duration_ms"] for _ in range(RUNS))


def test_half_the_memory_takes_about_twice_as_long_and_double_is_no_faster(local_target):
    half, one, two = (_median_ms(local_target, m) for m in (885, 1769, 3538))

    assert 1.6 <= half / one <= 2.5, (half, one)
    assert two >= NOISE * one, (two, one)


@pytest.mark.parametrize(("memory_mb", "cores", "vcpus", "quota"), [
    (128, 2, 128 / 1769, 7_236),
    (885, 2, 885 / 1769, 50_028),
    (1769, 2, 1.0, 100_000),
    (3538, 2, 2.0, 200_000),
    (10240, 2, 2.0, 200_000),   # capped at the machine's cores
    (10240, 8, 10240 / 1769, 578_858),
])
def test_the_quota_is_lambdas_vcpu_share_capped_at_the_cores(memory_mb, cores, vcpus, quota):
    assert vcpus_for(memory_mb, cores) == pytest.approx(vcpus)
    assert quota_us_for(memory_mb, cores) == quota
