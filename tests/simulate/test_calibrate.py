"""Calibration recovers the keep-alive and routing that produced a set of cold starts."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.errors import UsageError
from advisor.simulate import ReplayConfig, replay
from advisor.simulate.calibrate import calibrate
from advisor.simulate.inputs import Trace


def _observed(keep_alive_s: float, routing: str) -> Trace:
    rng = np.random.default_rng(3)
    # bursts and lulls, so that keep-alive matters
    gaps = np.concatenate([rng.exponential(scale, 300) for scale in [2, 200, 5, 400, 1, 300] * 2])
    arrivals = np.cumsum(gaps)
    service = rng.lognormal(np.log(800), 0.5, arrivals.size)
    truth = replay(arrivals, service, ReplayConfig(keep_alive_s=keep_alive_s, routing=routing), init_ms=300.0)
    return Trace("synthetic", arrivals, service, np.where(truth.cold, 300.0, np.nan), 1024,
                 truth.instance.astype(str))


def test_recovers_keep_alive_and_routing_that_made_the_cold_starts() -> None:
    fit = calibrate(_observed(420.0, "newest"))
    assert (fit.keep_alive_s, fit.routing) == (420.0, "newest")
    assert fit.simulated_cold == fit.observed_cold and fit.consistent
    low, high = fit.interval
    assert low < fit.observed_cold < high
    # the environments survived idle gaps just under the true keep-alive
    assert 380.0 < fit.stream_min_keep_alive_s <= 420.0
    assert len(fit.candidates) == 16 * 5


def test_a_trace_without_cold_start_information_cannot_be_calibrated() -> None:
    trace = Trace("plain", np.arange(5.0), np.ones(5))
    with pytest.raises(UsageError, match="does not say which requests were cold starts"):
        calibrate(trace)
