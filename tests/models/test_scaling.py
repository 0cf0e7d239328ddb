"""Moving a function's requests to another memory size: one fitted, cached scaling."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import InputError, UsageError
from advisor.models import MemoryScaling, memory_scaling, vcpu_share
from advisor.models.forms import physical_band
from advisor.models.scaling import SCALING_CACHE, ScalingCache


def duration_truth(m):
    return 150.0 + 3000.0 / np.minimum(vcpu_share(m), 1.0)


def init_truth(m):
    # A fixed part plus single-threaded work: 1,769 MB (one vCPU) inits twice as fast as 885.
    return 100.0 + 400.0 / np.minimum(vcpu_share(m), 1.0)


def _samples(sizes=(256, 512, 1024, 2048), per_size=40, noise=0.05, cold_every=4, seed=0):
    """One row per request; every ``cold_every``-th request is a cold start."""
    rng = np.random.default_rng(seed)
    memory = np.repeat(np.asarray(sizes, dtype=float), per_size)
    duration = duration_truth(memory) * rng.lognormal(0.0, noise, len(memory))
    init = init_truth(memory) * rng.lognormal(0.0, noise, len(memory))
    init[np.arange(len(memory)) % cold_every != 0] = np.nan
    return pd.DataFrame({"memory_mb": memory, "duration_ms": duration, "init_ms": init})


def test_the_cache_fits_once_per_function_memory_set_and_data() -> None:
    cache = ScalingCache()
    samples = _samples()
    first = cache.get(samples, function="f")
    again = cache.get(samples.copy(), function="f")  # equal data, another frame
    assert again is first
    assert (cache.info().misses, cache.info().hits) == (1, 1)
    changed = samples.assign(duration_ms=samples["duration_ms"] * 1.01)
    assert cache.get(changed, function="f") is not first
    assert cache.get(samples, function="g") is not first  # another function
    assert cache.info().misses == 3 and cache.info().entries == 3


def test_threads_asking_at_once_share_one_fit() -> None:
    cache = ScalingCache()
    samples = _samples()
    found: list[MemoryScaling] = []
    threads = [threading.Thread(target=lambda: found.append(cache.get(samples, function="f")))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.info().misses == 1 and all(s is found[0] for s in found)


def test_the_cache_keeps_only_its_most_recently_used_entries() -> None:
    cache = ScalingCache(max_entries=2)
    samples = _samples(per_size=8)
    first = cache.get(samples, function="a")
    cache.get(samples, function="b")
    cache.get(samples, function="a")  # a is now the most recent
    cache.get(samples, function="c")  # drops b
    assert cache.info().entries == 2
    assert cache.get(samples, function="a") is first
    misses = cache.info().misses
    cache.get(samples, function="b")
    assert cache.info().misses == misses + 1


def test_memory_scaling_uses_the_process_wide_cache() -> None:
    samples = _samples(seed=7)
    before = SCALING_CACHE.info().misses
    assert memory_scaling(samples, function="cached") is memory_scaling(samples, function="cached")
    assert SCALING_CACHE.info().misses == before + 1


def test_durations_move_by_the_ratio_of_the_duration_models_means() -> None:
    scaling = MemoryScaling.fit(_samples(), function="f")
    durations = np.array([900.0, 1200.0, 4000.0])
    grid = pd.DataFrame({"memory_mb": [512, 1024]})
    mean_512, mean_1024 = scaling.duration_model.predict(grid)
    moved = scaling.rescale_durations(durations, 512, 1024)
    assert moved == pytest.approx(durations * mean_1024 / mean_512, rel=1e-12)
    # CPU-bound below one vCPU: twice the memory, about half the CPU part.
    assert moved / durations == pytest.approx(duration_truth(1024.0) / duration_truth(512.0), rel=0.03)


def test_init_durations_move_by_the_ratio_of_the_cold_start_models_means() -> None:
    scaling = MemoryScaling.fit(_samples(), function="f")
    assert scaling.rescales_init and scaling.init_note is None
    init = np.array([500.0, np.nan, 620.0])  # the middle request was warm
    grid = pd.DataFrame({"memory_mb": [256, 1024]})
    mean_256, mean_1024 = scaling.coldstart_model.predict(grid)
    moved = scaling.rescale_init(init, 256, 1024)
    assert np.isnan(moved[1])
    assert moved[[0, 2]] == pytest.approx(init[[0, 2]] * mean_1024 / mean_256, rel=1e-12)
    assert mean_1024 / mean_256 == pytest.approx(init_truth(1024.0) / init_truth(256.0), rel=0.05)


def test_without_cold_starts_at_two_sizes_init_is_kept_and_the_note_says_why() -> None:
    samples = _samples()
    samples.loc[samples["memory_mb"] != 512, "init_ms"] = np.nan
    scaling = MemoryScaling.fit(samples, function="f")
    assert not scaling.rescales_init
    assert scaling.init_note == (
        "cold starts only at 512 MB; a cold-start model needs them at two or more memory sizes"
    )
    init = np.array([700.0, np.nan])
    assert np.array_equal(scaling.rescale_init(init, 512, 2048), init, equal_nan=True)
    no_column = MemoryScaling.fit(samples.drop(columns="init_ms"), function="f")
    assert no_column.init_note == "the samples have no init durations (init_ms)"


def test_each_request_moves_from_the_memory_it_ran_at() -> None:
    scaling = MemoryScaling.fit(_samples(), function="f")
    durations = np.array([2000.0, 1000.0, 2000.0])
    ran_at = np.array([512.0, 1024.0, 512.0])
    moved = scaling.rescale_durations(durations, ran_at, 1024)
    assert moved[1] == 1000.0  # already at the target
    assert moved[0] == moved[2] == pytest.approx(2000.0 * scaling.duration_ratio(512, 1024), rel=1e-12)


def test_rescale_moves_a_request_table_and_sets_its_memory() -> None:
    scaling = MemoryScaling.fit(_samples(), function="f")
    requests = pd.DataFrame({"memory_mb": [512, 2048], "duration_ms": [1800.0, 700.0],
                             "init_ms": [450.0, np.nan], "request_id": ["a", "b"]})
    moved = scaling.rescale(requests, 1024)
    assert moved["memory_mb"].tolist() == [1024, 1024]
    assert moved["request_id"].tolist() == ["a", "b"]
    assert moved["duration_ms"].tolist() == pytest.approx(
        scaling.rescale_durations(requests["duration_ms"], [512, 2048], 1024).tolist())
    assert moved["init_ms"].iloc[0] == pytest.approx(450.0 * scaling.init_ratio(512, 1024))
    assert np.isnan(moved["init_ms"].iloc[1])
    assert requests["memory_mb"].tolist() == [512, 2048]  # the input is left alone


def test_a_pickled_scaling_moves_requests_the_same() -> None:
    import pickle

    scaling = MemoryScaling.fit(_samples(), function="f")
    again = pickle.loads(pickle.dumps(scaling))
    assert again.rescale_durations([1000.0], 512, 3008) == scaling.rescale_durations([1000.0], 512, 3008)
    assert again.rescale_init([400.0], 256, 1024) == scaling.rescale_init([400.0], 256, 1024)


def test_samples_at_one_memory_size_are_an_input_error_saying_two_are_needed() -> None:
    samples = _samples(sizes=(512,))
    with pytest.raises(InputError, match="'f' only measured at 512 MB; predicting another size needs") as caught:
        MemoryScaling.fit(samples, function="f")
    assert "another memory setting" in (caught.value.hint or "")


def test_samples_mixing_architectures_need_one_named() -> None:
    samples = _samples().assign(architecture=lambda f: np.where(f.index % 2 == 0, "arm64", "x86_64"))
    with pytest.raises(InputError, match=r"'f' ran on several architectures \(arm64, x86_64\)"):
        MemoryScaling.fit(samples, function="f")
    assert len(MemoryScaling.fit(samples, function="f", architecture="arm64").measured_mb) == 4
    with pytest.raises(UsageError, match="none is 'riscv'"):
        MemoryScaling.fit(samples, function="f", architecture="riscv")


def test_missing_columns_are_an_input_error_naming_them() -> None:
    with pytest.raises(InputError, match="lack column.s. duration_ms"):
        MemoryScaling.fit(pd.DataFrame({"memory_mb": [512, 1024]}), function="f")


@pytest.mark.parametrize("target", [64, 20000, 512.5])
def test_a_target_that_is_not_a_lambda_memory_size_is_a_usage_error(target) -> None:
    scaling = MemoryScaling.fit(_samples(per_size=8), function="f")
    # the one memory validator every command uses (advisor.platform.aws_lambda.check_memory_mb)
    with pytest.raises(UsageError, match=r"^memory size [\d,.]+ is (outside Lambda's memory size|not a whole)"):
        scaling.rescale_durations([100.0], 512, target)


def test_a_request_without_a_memory_size_is_an_input_error() -> None:
    scaling = MemoryScaling.fit(_samples(per_size=8), function="f")
    with pytest.raises(InputError, match="1 request.s. have no memory size"):
        scaling.rescale_durations([100.0, 120.0], [512.0, np.nan], 1024)


def test_large_samples_are_fitted_on_a_capped_subset_per_size() -> None:
    from advisor.models.scaling import MAX_SAMPLES_PER_SIZE

    samples = _samples(sizes=(512, 1024, 2048), per_size=MAX_SAMPLES_PER_SIZE + 50)
    samples = samples[(samples["memory_mb"] != 2048) | (samples.index % 1000 == 0)]
    few = int((samples["memory_mb"] == 2048).sum())
    scaling = MemoryScaling.fit(samples, function="f")
    counts = [len(logs) for logs in scaling.duration_model.predictive_.noise.logs]
    assert counts == [MAX_SAMPLES_PER_SIZE, MAX_SAMPLES_PER_SIZE, few]
    assert scaling.measured_mb == (512, 1024, 2048)


# -- physics (hypothesis) ---------------------------------------------------------------------

sizes = st.lists(st.integers(128, 10240), min_size=2, max_size=5, unique=True)
memory_sizes = st.integers(128, 10240)


@st.composite
def scalings(draw: st.DrawFn) -> MemoryScaling:
    """A scaling fitted to a random function: flat to CPU-bound, with noise and cold starts."""
    memory = np.repeat(np.asarray(draw(sizes), dtype=float), draw(st.integers(2, 6)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    cpu_ms = draw(st.floats(0.0, 5000.0))
    noise = draw(st.floats(0.0, 0.3))
    duration = (50.0 + cpu_ms / np.minimum(vcpu_share(memory), 1.0)) * rng.lognormal(0, noise, len(memory))
    init = (100.0 + cpu_ms / 10.0 / np.minimum(vcpu_share(memory), 1.0)) * rng.lognormal(0, noise, len(memory))
    samples = pd.DataFrame({"memory_mb": memory, "duration_ms": duration, "init_ms": init})
    return MemoryScaling.fit(samples, function="f")


@settings(max_examples=40)
@given(scalings(), memory_sizes, st.lists(st.floats(1.0, 1e5), min_size=1, max_size=5))
def test_moving_requests_there_and_back_keeps_them_and_keeps_their_order(scaling, target, durations) -> None:
    durations = np.sort(np.asarray(durations))
    for origin in scaling.measured_mb:
        moved = scaling.rescale_durations(durations, origin, target)
        assert np.all(np.diff(moved) >= 0)  # a longer request stays longer
        back = scaling.rescale_durations(moved, target, origin)
        assert back == pytest.approx(durations, rel=1e-12)
        assert np.array_equal(scaling.rescale_durations(durations, origin, origin), durations)
        assert np.array_equal(scaling.rescale_init(durations, origin, origin), durations)


@settings(max_examples=40)
@given(scalings(), memory_sizes)
def test_beyond_the_measured_sizes_moves_stay_within_what_the_cpu_share_allows(scaling, target) -> None:
    # From the nearest measured size: more memory never slows a request and speeds it up by
    # at most the vCPU ratio; less memory the other way round (no memory pressure here).
    nearest = float(np.clip(target, scaling.measured_mb[0], scaling.measured_mb[-1]))
    for ratio in (scaling.duration_ratio(nearest, target), scaling.init_ratio(nearest, target)):
        low, high = physical_band(np.array([float(target)]), np.array([nearest]), np.array([1.0]))
        assert low[0] * (1 - 1e-9) <= float(ratio) <= high[0] * (1 + 1e-9)
