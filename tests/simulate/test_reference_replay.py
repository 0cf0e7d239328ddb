"""Replays of real traces checked figure for figure against a slow, obviously correct replay."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from advisor.simulate import ReplayConfig, replay
from advisor.simulate.inputs import read_trace_file


@dataclass
class Instance:
    seq: int
    created: float
    free_at: float  # end of its last request (creation time for a provisioned one)
    provisioned: bool


def reference_replay(arrivals, service_ms, *, keep_alive, init_ms, routing, provisioned=0, limit=math.inf):
    """DESIGN.md's replay rules, one request at a time, scanning every instance."""
    pool: list[Instance] = [Instance(k, arrivals[0], arrivals[0], True) for k in range(provisioned)]
    created = provisioned
    gone_alive = 0.0
    latency, cold, instance = [], [], []
    max_live = len(pool)
    end = arrivals[0]
    for t, svc in zip(arrivals, service_ms):
        still = []
        for inst in pool:
            expired = not inst.provisioned and inst.free_at <= t and inst.free_at + keep_alive <= t
            if expired:
                gone_alive += inst.free_at + keep_alive - inst.created
            else:
                still.append(inst)
        pool = still
        idle = [i for i in pool if i.free_at <= t]
        idle = [i for i in idle if i.provisioned] or idle
        if idle:
            choose = {
                "newest": lambda i: i.seq,
                "oldest": lambda i: (-i.seq, 0),
                "mru": lambda i: (i.free_at, i.seq),
                "lru": lambda i: (-i.free_at, i.seq),
            }[routing]
            inst = max(idle, key=choose)
            inst.free_at = t + svc / 1000
            latency.append(svc)
            cold.append(False)
        elif len(pool) < limit:
            inst = Instance(created, t, t + (init_ms + svc) / 1000, False)
            created += 1
            pool.append(inst)
            max_live = max(max_live, len(pool))
            latency.append(init_ms + svc)
            cold.append(True)
        else:
            latency.append(math.nan)
            cold.append(False)
            instance.append(-1)
            continue
        instance.append(inst.seq)
        end = max(end, inst.free_at)
    alive = gone_alive + sum(
        (end if i.provisioned else min(i.free_at + keep_alive, end)) - i.created for i in pool
    )
    busy = float(np.nansum(latency)) / 1000
    return np.array(latency), np.array(cold), np.array(instance), max_live, alive, busy, end - arrivals[0]


CONFIGS = [
    dict(keep_alive=0.0, routing="newest"),
    dict(keep_alive=60.0, routing="newest"),
    dict(keep_alive=600.0, routing="mru"),
    dict(keep_alive=30.0, routing="lru"),
    dict(keep_alive=120.0, routing="oldest"),
    dict(keep_alive=45.0, routing="newest", provisioned=2),
    dict(keep_alive=300.0, routing="mru", limit=3),
]


def _check(arrivals, service, params):
    params = dict(params)
    ref = reference_replay(arrivals.tolist(), service.tolist(), init_ms=350.0, **params)
    limit = params.pop("limit", None)
    config = ReplayConfig(keep_alive_s=params["keep_alive"], routing=params["routing"],
                          provisioned=params.get("provisioned", 0),
                          max_concurrency=None if limit is None else int(limit))
    result = replay(arrivals, service, config, init_ms=350.0)
    latency, cold, instance, max_live, alive, busy, horizon = ref
    np.testing.assert_allclose(result.latency_ms, latency, rtol=0, atol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(result.cold, cold)
    np.testing.assert_array_equal(result.throttled, np.isnan(latency))
    np.testing.assert_array_equal(result.instance, instance)
    assert result.max_instances == max_live
    assert result.busy_s == pytest.approx(busy, rel=1e-9)
    assert result.alive_s == pytest.approx(alive, rel=1e-9)
    # the engine runs on times from the first arrival, the reference on epoch seconds (0.2 us steps)
    assert result.horizon_s == pytest.approx(horizon, rel=1e-10)
    return result


@pytest.mark.parametrize("params", CONFIGS, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_azure_2021_invocations_match_reference(shared_data: Path, params: dict) -> None:
    trace = read_trace_file(shared_data / "traces/azure-functions-2021-sample/Azure2021_200.csv", together=True)
    assert len(trace) == 199
    _check(trace.arrivals_s, trace.service_ms, params)


@pytest.mark.parametrize("params", CONFIGS[1:4], ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_azure_2019_spread_minutes_match_reference(shared_data: Path, params: dict) -> None:
    trace = read_trace_file(shared_data / "traces/azure-functions-2019-sample/100_inv.csv", function="074d7db5790c")
    arrivals, service = trace.arrivals_s, trace.service_ms
    result = _check(arrivals, service, params)
    assert len(trace) == 2031
    assert 0 < result.cold.sum() < 2031


def test_azure_2021_summary_figures(shared_data: Path) -> None:
    trace = read_trace_file(shared_data / "traces/azure-functions-2021-sample/Azure2021_200.csv", together=True)
    summary = replay(trace.arrivals_s, trace.service_ms, ReplayConfig(keep_alive_s=600), init_ms=350.0).summary()
    ref = reference_replay(trace.arrivals_s.tolist(), trace.service_ms.tolist(), keep_alive=600.0, init_ms=350.0,
                           routing="newest")
    assert summary["requests"] == 199
    assert summary["cold_starts"] == int(ref[1].sum())
    assert summary["latency_ms"]["p50"] == pytest.approx(np.percentile(ref[0], 50), abs=1e-3)
    assert summary["latency_ms"]["p99"] == pytest.approx(np.percentile(ref[0], 99), abs=1e-3)
    assert summary["latency_ms"]["max"] == pytest.approx(ref[0].max(), abs=1e-3)
    assert summary["instances"]["max"] == ref[3]
