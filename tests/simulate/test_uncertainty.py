"""Monte Carlo prediction intervals of a replay's cold starts and throttles."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.errors import UsageError
from advisor.simulate import ReplayConfig, replay
from advisor.simulate.uncertainty import predict_interval

BURSTS = np.array([0.0, 0.01, 0.02, 5.0, 5.01, 20.0])
#: A busy trace: 400 Poisson arrivals at 20 per second, where cold or warm is a close call.
POISSON = np.cumsum(np.random.default_rng(1).exponential(0.05, 400))
BUSY_CONFIG = ReplayConfig(keep_alive_s=0.5, max_concurrency=6, routing="newest")


def spread(median_ms: float, sigma: float, n: int = 100) -> np.ndarray:
    """``n`` log-normal samples around ``median_ms`` with shape ``sigma`` (0: all the median)."""
    return median_ms * np.exp(sigma * np.random.default_rng(7).standard_normal(n))


def width(sigma: float) -> int:
    cold = predict_interval(POISSON, BUSY_CONFIG, service_samples_ms=spread(100.0, sigma),
                            init_samples_ms=spread(150.0, sigma), arrival_jitter_ms=spread(5.0, sigma),
                            draws=100).cold_starts
    return cold.high - cold.low


def test_without_variation_the_interval_is_the_single_replay() -> None:
    config = ReplayConfig(keep_alive_s=1.0, max_concurrency=2)
    predicted = predict_interval(BURSTS, config, service_samples_ms=np.array([100.0]),
                                 init_samples_ms=np.array([50.0]), arrival_jitter_ms=np.array([3.0]), draws=20)
    # 0 and 0.01 start two instances, 0.02 finds both busy at the limit; 5 and 5.01 come
    # after the keep-alive (two more), 20 likewise (one more)
    assert (predicted.cold_starts.low, predicted.cold_starts.median, predicted.cold_starts.high) == (5, 5.0, 5)
    assert (predicted.throttled.low, predicted.throttled.median, predicted.throttled.high) == (1, 1.0, 1)
    single = replay(BURSTS, np.full(6, 100.0), config, init_ms=50.0).summary()
    assert (single["cold_starts"], single["throttled"]) == (5, 1)


def test_the_interval_contains_the_replay_at_the_median_inputs_and_has_width() -> None:
    predicted = predict_interval(POISSON, BUSY_CONFIG, service_samples_ms=spread(100.0, 0.5),
                                 init_samples_ms=spread(150.0, 0.5), arrival_jitter_ms=spread(5.0, 0.5))
    median_inputs = replay(POISSON, np.full(400, np.median(spread(100.0, 0.5))), BUSY_CONFIG,
                           init_ms=float(np.median(spread(150.0, 0.5)))).summary()
    cold = predicted.cold_starts
    assert cold.low < cold.high
    assert cold.contains(median_inputs["cold_starts"])
    assert predicted.throttled.contains(median_inputs["throttled"])


def test_wider_input_spread_never_gives_a_narrower_interval() -> None:
    widths = [width(sigma) for sigma in (0.0, 0.25, 0.5, 1.0)]
    assert widths[0] == 0
    assert widths == sorted(widths)
    assert widths[-1] > widths[1]


@pytest.mark.parametrize("coverage", [0.5, 0.8, 0.95])
def test_at_least_the_coverage_of_the_draws_fall_inside(coverage: float) -> None:
    kwargs = {"service_samples_ms": spread(100.0, 0.5), "init_samples_ms": spread(150.0, 0.5), "draws": 100}
    predicted = predict_interval(POISSON, BUSY_CONFIG, coverage=coverage, **kwargs)
    draws = predicted.cold_draws
    inside = np.mean((draws >= predicted.cold_starts.low) & (draws <= predicted.cold_starts.high))
    assert inside >= coverage
    wider = predict_interval(POISSON, BUSY_CONFIG, coverage=0.99, **kwargs).cold_starts
    assert wider.low <= predicted.cold_starts.low and predicted.cold_starts.high <= wider.high


def test_the_same_seed_gives_the_same_interval_and_another_seed_other_draws() -> None:
    kwargs = {"service_samples_ms": spread(100.0, 0.5), "init_samples_ms": spread(150.0, 0.5), "draws": 30}
    first = predict_interval(POISSON, BUSY_CONFIG, seed=3, **kwargs)
    assert first.cold_draws.tolist() == predict_interval(POISSON, BUSY_CONFIG, seed=3, **kwargs).cold_draws.tolist()
    assert first.cold_draws.tolist() != predict_interval(POISSON, BUSY_CONFIG, seed=4, **kwargs).cold_draws.tolist()


@pytest.mark.parametrize(("change", "message"), [
    ({"coverage": 1.0}, "coverage 1.0"),
    ({"draws": 0}, "draws 0"),
    ({"service_samples_ms": np.array([])}, "service times need"),
    ({"init_samples_ms": np.array([-1.0])}, "init times need"),
    ({"arrival_jitter_ms": np.array([np.nan])}, "arrival delays need"),
])
def test_invalid_inputs_say_what_is_wrong(change: dict, message: str) -> None:
    kwargs = {"service_samples_ms": np.array([100.0]), "init_samples_ms": np.array([50.0]), **change}
    with pytest.raises(UsageError, match=message):
        predict_interval(BURSTS, ReplayConfig(), **kwargs)
