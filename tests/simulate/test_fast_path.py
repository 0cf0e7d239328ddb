"""The fast kernel gives exactly the general kernel's results within its domain (hypothesis)."""

from __future__ import annotations

import math
import subprocess
import sys
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.simulate import EmpiricalInit, ProvisionedSchedule, ReplayConfig, replay
from advisor.simulate import engine

# A coarse time grid, so that exact ties (an end at an arrival, an expiry at an arrival) are common.
gaps = st.lists(st.integers(0, 8).map(lambda k: k * 0.25), min_size=1, max_size=80)
services = st.integers(0, 12).map(lambda k: k * 250.0)
fast_configs = st.builds(
    ReplayConfig,
    keep_alive_s=st.sampled_from([0.0, 0.5, 2.0, 30.0, math.inf]),
    routing=st.sampled_from(["mru", "lru", "newest", "oldest"]),
    max_concurrency=st.one_of(st.none(), st.integers(1, 4)),
    batch_size=st.sampled_from([1, 1, 3]),
    batch_wait_ms=st.sampled_from([0.0, 500.0]),
    memory_mb=st.sampled_from([None, 1024]),
)


@st.composite
def inputs(draw):
    g = draw(gaps)
    n = len(g)
    service = np.array(draw(st.lists(services, min_size=n, max_size=n)), dtype=np.float64)
    init = draw(st.one_of(
        st.sampled_from([0.0, 250.0, 1000.0]),
        st.lists(st.sampled_from([0.0, 250.0, 1000.0]), min_size=n, max_size=n).map(np.array),
        st.just(EmpiricalInit(np.array([100.0, 250.0, 700.0, 2000.0]))),
    ))
    return np.cumsum(g), service, init


def general_replay(arrivals, service, config, init, seed):
    with patch.object(engine, "in_fast_domain", lambda *_: False):
        return replay(arrivals, service, config, init_ms=init, seed=seed)


def assert_same(fast, general) -> None:
    np.testing.assert_array_equal(fast.latency_ms, general.latency_ms)  # NaN where throttled, in both
    np.testing.assert_array_equal(fast.cold, general.cold)
    np.testing.assert_array_equal(fast.throttled, general.throttled)
    np.testing.assert_array_equal(fast.instance, general.instance)
    np.testing.assert_array_equal(fast.on_provisioned, general.on_provisioned)
    assert (fast.busy_s, fast.alive_s, fast.provisioned_s, fast.max_instances, fast.horizon_s) == (
        general.busy_s, general.alive_s, general.provisioned_s, general.max_instances, general.horizon_s)
    fast_summary, general_summary = fast.summary(), general.summary()
    del fast_summary["sim_wall_seconds"], general_summary["sim_wall_seconds"]
    assert fast_summary == general_summary


@settings(max_examples=300, deadline=None)
@given(inputs(), fast_configs, st.integers(0, 3))
def test_fast_kernel_matches_the_general_kernel_in_its_domain(data, config, seed) -> None:
    arrivals, service, init = data
    assert engine.in_fast_domain(config)
    assert_same(replay(arrivals, service, config, init_ms=init, seed=seed),
                general_replay(arrivals, service, config, init, seed))


def test_fast_kernel_matches_on_a_pool_that_outgrows_the_first_slot_capacity() -> None:
    # 6000 requests at once: the pool needs more than the kernel's first 4096 slots (a rerun)
    arrivals = np.repeat([0.0, 5.0, 400.0], 6000)
    service = np.tile(np.linspace(0.0, 3000.0, 6000), 3)
    config = ReplayConfig(keep_alive_s=60.0, routing="mru")
    fast = replay(arrivals, service, config, init_ms=300.0)
    assert fast.max_instances == 6000
    assert_same(fast, general_replay(arrivals, service, config, 300.0, 0))


def test_configurations_outside_the_domain_take_the_general_kernel() -> None:
    assert engine.in_fast_domain(ReplayConfig(max_concurrency=3))
    assert not engine.in_fast_domain(ReplayConfig(per_instance_concurrency=2))
    assert not engine.in_fast_domain(ReplayConfig(max_concurrency=3, on_limit="queue"))
    assert not engine.in_fast_domain(ReplayConfig(max_lifetime_s=60.0))
    assert not engine.in_fast_domain(ReplayConfig(routing="random"))
    assert not engine.in_fast_domain(ReplayConfig(provisioned=1))
    assert not engine.in_fast_domain(ReplayConfig(provisioned_schedule=ProvisionedSchedule.parse("08:00-20:00=5")))


def test_the_first_replay_loads_both_kernels_outside_its_timing() -> None:
    # A Lambda-shaped replay runs the fast kernel; the general one (provisioned concurrency,
    # queueing) must be loaded with it, not compiled inside the first replay that needs it.
    code = (
        "import numpy as np\n"
        "from advisor.simulate import ReplayConfig, replay\n"
        "from advisor.simulate import _fast, _kernel\n"
        "replay(np.arange(3.0), np.ones(3), ReplayConfig())\n"
        "print(bool(_fast.run_fast.signatures), bool(_kernel.run_kernel.signatures))\n"
        "general = replay(np.arange(3.0), np.ones(3), ReplayConfig(provisioned=1))\n"
        "print(general.sim_wall_seconds < 1.0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "True"]
