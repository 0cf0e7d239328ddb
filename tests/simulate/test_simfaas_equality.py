"""Equality with simfaas 0.2.2 on the same arrival gaps and service times.

simfaas draws inter-arrival gaps and per-request service times from its process classes; the
`Feed` processes below hand it our numbers in order, so both simulators see the same input.
Its settings match ours with per-instance concurrency 1, no batching, no provisioned
instances and routing `newest` (simfaas always picks the newest idle instance).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from simfaas.ServerlessSimulator import ServerlessSimulator
from simfaas.SimProcess import SimProcess

from advisor.simulate import ReplayConfig, replay
from advisor.simulate.inputs import read_trace_file

NEVER = 1e18


class Feed(SimProcess):
    """A simfaas process that returns the given values in order, then ``NEVER``."""

    def __init__(self, values) -> None:
        super().__init__()
        self._values = iter(values)

    def generate_trace(self) -> float:
        return next(self._values, NEVER)


class ServiceFeed:
    """One sequence of service times shared by simfaas's cold and warm processes, in arrival
    order; a cold start adds the init time."""

    def __init__(self, service_s, init_s: float) -> None:
        self._values = iter(service_s)
        self.cold = _Call(lambda: init_s + next(self._values))
        self.warm = _Call(lambda: next(self._values))


class _Call(SimProcess):
    def __init__(self, fn) -> None:
        super().__init__()
        self._fn = fn

    def generate_trace(self) -> float:
        return self._fn()


def run_simfaas(gaps_s, service_ms, *, keep_alive_s: float, init_ms: float, horizon_s: float) -> dict:
    """simfaas on these inputs; time averages over [0, horizon_s] from its own state history."""
    service = ServiceFeed(np.asarray(service_ms) * 0.001, init_ms * 0.001)
    sim = ServerlessSimulator(
        arrival_process=Feed(gaps_s),
        warm_service_process=service.warm,
        cold_service_process=service.cold,
        expiration_threshold=keep_alive_s,
        max_time=horizon_s,
        maximum_concurrency=10**9,
    )
    sim.generate_trace()
    times = np.minimum(np.asarray(sim.hist_times), horizon_s)
    spans = np.diff(times)
    return {
        "cold": sim.total_cold_count,
        "requests": sim.total_req_count,
        "prob_cold": sim.get_cold_start_prob(),
        "instance_s": float(np.dot(sim.hist_server_count, spans)),
        "running_s": float(np.dot(sim.hist_server_running_count, spans)),
        "idle_s": float(np.dot(sim.hist_server_idle_count, spans)),
    }


def compare(gaps_s, service_ms, keep_alive_s: float, init_ms: float) -> dict:
    arrivals = np.cumsum(gaps_s)  # simfaas adds the gaps one by one, as cumsum does
    ours = replay(arrivals, service_ms, ReplayConfig(keep_alive_s=keep_alive_s, routing="newest"), init_ms=init_ms)
    horizon = ours.horizon_s + arrivals[0]
    theirs = run_simfaas(gaps_s, service_ms, keep_alive_s=keep_alive_s, init_ms=init_ms, horizon_s=horizon)
    summary = ours.summary()
    assert theirs["requests"] == summary["requests"] == len(gaps_s)
    assert summary["cold_starts"] == theirs["cold"]
    assert summary["cold_fraction"] == pytest.approx(theirs["prob_cold"], abs=1e-6)
    assert ours.alive_s / horizon == pytest.approx(theirs["instance_s"] / horizon, rel=1e-9)
    assert ours.busy_s / horizon == pytest.approx(theirs["running_s"] / horizon, rel=1e-9)
    assert (ours.alive_s - ours.busy_s) / horizon == pytest.approx(theirs["idle_s"] / horizon, rel=1e-9)
    return summary


@pytest.mark.parametrize("keep_alive_s", [0.5, 2.0, 10.0, 60.0])
def test_poisson_arrivals_equal_simfaas(keep_alive_s: float) -> None:
    rng = np.random.default_rng(7)
    gaps = rng.exponential(0.25, 4000)
    service = rng.lognormal(np.log(600), 0.8, 4000)
    summary = compare(gaps, service, keep_alive_s, init_ms=400.0)
    assert 0 < summary["cold_starts"] < 4000


def test_real_azure_trace_equals_simfaas(shared_data: Path) -> None:
    trace = read_trace_file(shared_data / "traces/azure-functions-2021-sample/Azure2021_200.csv", together=True)
    gaps = np.diff(trace.arrivals_s, prepend=trace.arrivals_s[0] - 1.0)
    summary = compare(gaps, trace.service_ms, keep_alive_s=30.0, init_ms=250.0)
    assert summary["cold_starts"] == 93  # the same figure from simfaas, asserted above
