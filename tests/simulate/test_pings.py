"""Warm-up pings as extra arrivals: where they go, how often; advisor replay --ping-every replays them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.platform.aws_lambda import OBSERVED_KEEP_ALIVE_S
from advisor.simulate.pings import ping_interval_s, with_pings

REPO = Path(__file__).resolve().parents[2]


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.sampled_from([0.0, 0.5, 30.0, 61.0, 240.0, 900.0]), min_size=0, max_size=60),
       interval=st.sampled_from([60.0, 240.0, 300.0]), concurrency=st.integers(1, 4))
def test_pings_are_merged_in_time_order_after_the_traffic_of_the_same_instant(gaps, interval, concurrency) -> None:
    arrivals = 1_700_000_000.0 + np.cumsum([0.0, *gaps])
    layout = with_pings(arrivals, interval, concurrency)
    merged = layout.arrivals_s
    rounds = int((arrivals[-1] - arrivals[0]) // interval) + 1
    assert layout.pings == rounds * concurrency
    assert merged.shape[0] == arrivals.shape[0] + layout.pings
    assert np.all(np.diff(merged) >= 0)
    assert np.array_equal(merged[layout.traffic_at], arrivals)
    assert np.array_equal(np.sort(np.concatenate([layout.traffic_at, layout.ping_at])), np.arange(merged.shape[0]))
    ping_times = merged[layout.ping_at]
    assert np.array_equal(np.unique(ping_times), arrivals[0] + interval * np.arange(rounds))
    for ping, at in zip(ping_times, layout.ping_at, strict=True):  # no traffic of that instant after it
        assert not np.any(merged[at + 1:][np.isin(np.arange(at + 1, merged.shape[0]), layout.traffic_at)] == ping)
    values = layout.merge(np.ones(arrivals.shape[0]), 2.0)
    assert values[layout.traffic_at].sum() == arrivals.shape[0] and np.all(values[layout.ping_at] == 2.0)


@given(keep_alive=st.floats(1.0, 3600.0))
def test_pings_come_before_the_shortest_keep_alive_lambda_is_seen_to_keep(keep_alive: float) -> None:
    interval = ping_interval_s(keep_alive)
    assert 0 < interval < min(keep_alive, OBSERVED_KEEP_ALIVE_S[0])


def test_the_default_interval_is_four_minutes() -> None:
    assert ping_interval_s(600.0) == 240.0


def test_advisor_replay_replays_pings_and_reports_the_traffic(cli, tmp_path) -> None:
    starts = np.concatenate([[0.0], np.arange(1, 24) * 1800.0 + 7.0])  # an hour apart: never warm
    path = tmp_path / "rare.csv"
    path.write_text("timestamp,duration_ms\n" + "".join(f"{1_700_000_000 + t:.3f},100\n" for t in starts))
    common = ["replay", "--trace", path, "--init-ms", "3000", "--memory", "1024", "--json"]
    alone = json.loads(cli(*common).stdout)
    pinged = cli(*common, "--ping-every", "4m", "--ping-concurrency", "1")
    assert pinged.exit_code == 0, pinged.stderr
    summary = json.loads(pinged.stdout)
    assert summary["requests"] == alone["requests"] == starts.shape[0]
    assert alone["cold_starts"] == starts.shape[0]
    assert summary["cold_starts"] == 1  # the first request, before any ping
    assert float(summary["cost_usd"]["requests_usd"]) > float(alone["cost_usd"]["requests_usd"])  # pings billed
    assert any("warm-up pings" in note for note in summary["notes"])
    compared = json.loads(cli(*common, "--compare", "ping-every=4m,label=pinged").stdout)
    assert compared["runs"][1]["summary"]["cold_starts"] == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--ping-concurrency", "2"], "--ping-concurrency needs --ping-every"),
    (["--ping-every", "4m", "--ping-concurrency", "0"], "--ping-concurrency 0 sends no ping"),
    (["--ping-every", "0s"], "--ping-every must be a finite time above 0"),
    (["--compare", "ping-concurrency=3"], "ping-concurrency needs ping-every"),
])
def test_bad_ping_options_are_named(cli, args, message) -> None:
    out = cli("replay", "--trace", REPO / "traces" / "azure2019-543bec406831_inv.csv", *args)
    assert out.exit_code != 0
    assert message in out.stderr
