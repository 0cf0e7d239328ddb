"""The Power Tuning visualization URL: the real example decodes, any set round-trips, anything
else fails with a message (never a traceback)."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from advisor.errors import InputError, UsageError
from advisor.powertuning.url import BASE_URL, ChartSet, as_float32, decode_url, encode_url

DATA = Path(__file__).parent / "data"
#: The example URL of Power Tuning's README (tests/powertuning/data/README.md).
README_URL = (DATA / "readme-visualization-url.txt").read_text().strip()


def _part(code: str, values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{code}", *values)).decode()


def _url(sizes: list[float], durations: list[float], costs: list[float], tail: str = "") -> str:
    return f"{BASE_URL}#{_part('h', sizes)};{_part('f', durations)};{_part('f', costs)}{tail}"


def test_the_readme_example_decodes_to_its_six_sizes() -> None:
    chart = decode_url(README_URL)
    assert chart.currency == "USD" and len(chart.sets) == 1
    (only,) = chart.sets
    assert only.memory_mb == (128, 256, 512, 1024, 1536, 3008)
    assert only.duration_ms == pytest.approx((37002.4, 18647.77, 8489.44, 3890.89, 2512.23, 2009.79), abs=0.01)
    assert only.cost == pytest.approx((7.7168e-5, 7.7792e-5, 7.072e-5, 6.4896e-5, 6.4896e-5, 1.02648e-4), rel=1e-6)


def test_encoding_the_readme_example_gives_back_its_url_exactly() -> None:
    assert encode_url(decode_url(README_URL).sets) == README_URL


sizes = st.lists(st.integers(128, 10240), min_size=1, max_size=30, unique=True)
positive = st.floats(min_value=1e-30, max_value=3e38, allow_nan=False, allow_infinity=False)


@given(sizes.flatmap(lambda s: st.tuples(st.just(s), st.lists(positive, min_size=len(s), max_size=len(s)),
                                         st.lists(positive, min_size=len(s), max_size=len(s)))))
def test_any_set_round_trips_at_float32_precision(data: tuple[list[int], list[float], list[float]]) -> None:
    memory, durations, costs = data
    (decoded,) = decode_url(encode_url([ChartSet(tuple(memory), tuple(durations), tuple(costs))])).sets
    order = sorted(range(len(memory)), key=memory.__getitem__)
    assert decoded.memory_mb == tuple(memory[i] for i in order)
    assert decoded.duration_ms == tuple(as_float32(durations[i]) for i in order)
    assert decoded.cost == tuple(as_float32(costs[i]) for i in order)


@given(st.text(max_size=200))
@example("gAAAAQ==;AACAPw==")
@example("gAA;AACAPw;AACAPw")
@example("%ZZ;%;%")
@example(";;;;;;;")
def test_any_fragment_decodes_or_fails_with_a_message(fragment: str) -> None:
    try:
        chart = decode_url(f"{BASE_URL}#{fragment}")
    except InputError as exc:
        assert str(exc).startswith(BASE_URL[:30]) and "\n" not in str(exc)
        return
    for chart_set in chart.sets:
        assert len(chart_set.memory_mb) == len(chart_set.duration_ms) == len(chart_set.cost) > 0
        assert all(d > 0 for d in chart_set.duration_ms) and all(c > 0 for c in chart_set.cost)


@given(st.lists(st.binary(max_size=40), min_size=3, max_size=3))
def test_any_bytes_in_the_three_arrays_decode_or_fail_with_a_message(parts: list[bytes]) -> None:
    fragment = ";".join(base64.b64encode(p).decode() for p in parts)
    try:
        (decoded,) = decode_url(f"{BASE_URL}#{fragment}").sets
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert len(parts[0]) == 2 * len(decoded.memory_mb) and len(parts[1]) == len(parts[2]) == 4 * len(decoded.cost)


@pytest.mark.parametrize(("url", "says"), [
    ("https://example.com/#gAAAAQACAAQABsAL;ZooQR4yvkUa/pQRGRC5zRaADHUVjOftE;QdWhOEMkoziDT5Q4xhiIOMYYiDi6RNc4",
     "host 'example.com'"),
    ("ftp://lambda-power-tuning.show/#a;b;c", "not a Power Tuning visualization URL"),
    ("https://lambda-power-tuning.show/", "has no fragment"),
    ("https://lambda-power-tuning.show/#<encoded_data>", "1 parts"),
    ("https://lambda-power-tuning.show/#gAAAAQ==;!!!!;AACAPw==",
     "part 2 (durations, Float32Array) '!!!!' is not base64"),
    ("https://lambda-power-tuning.show/#gA==;AACAPw==;AACAPw==", "part 1 (memory sizes, Int16Array) holds 1 bytes"),
])
def test_a_url_that_is_not_a_chart_is_refused_by_name(url: str, says: str) -> None:
    with pytest.raises(InputError, match=says.replace("(", r"\(").replace(")", r"\)")):
        decode_url(url)


def test_arrays_of_different_lengths_are_refused() -> None:
    with pytest.raises(InputError, match="2 sizes, 1 durations and 2 costs"):
        decode_url(_url([128, 256], [10.0], [1e-6, 2e-6]))


@pytest.mark.parametrize(("duration", "cost", "says"), [
    (0.0, 1e-6, "the duration at 256 MB is 0.0"),
    (-5.0, 1e-6, "the duration at 256 MB is -5.0"),
    (float("nan"), 1e-6, "the duration at 256 MB is nan"),
    (5.0, 0.0, "the cost at 256 MB is 0.0"),
])
def test_a_duration_or_cost_that_is_not_positive_is_refused(duration: float, cost: float, says: str) -> None:
    with pytest.raises(InputError, match=says):
        decode_url(_url([128, 256], [10.0, duration], [1e-6, cost]))


@pytest.mark.parametrize(("size", "says"), [(64, "64 MB is outside Lambda's memory size 128-10,240 MB"),
                                            (-128, "-128 MB is outside"), (128, "128 MB appears twice")])
def test_a_size_lambda_does_not_have_or_a_repeated_one_is_refused(size: int, says: str) -> None:
    with pytest.raises(InputError, match=says):
        decode_url(_url([128, size], [10.0, 5.0], [1e-6, 1e-6]))


def test_percent_escapes_and_the_url_safe_alphabet_decode_alike() -> None:
    fragment = README_URL.split("#")[1]
    escaped = fragment.replace("/", "%2F").replace("+", "%2B")
    safe = fragment.replace("/", "_").replace("+", "-")
    expected = decode_url(README_URL)
    assert decode_url(f"{BASE_URL}#{escaped}") == expected == decode_url(f"{BASE_URL}#{safe}")


def test_the_currency_of_chinas_regions_is_kept() -> None:
    chart = decode_url(README_URL.replace("/#", "/?currency=CNY#"))
    assert chart.currency == "CNY"
    assert encode_url(chart.sets, currency="CNY") == README_URL.replace("/#", "/?currency=CNY#")


def test_a_comparison_of_two_sets_round_trips_with_its_legends() -> None:
    first = ChartSet((128, 512), (100.0, 30.0), (2e-7, 2.5e-7), "x86_64")
    second = ChartSet((128, 512, 1024), (90.0, 25.0, 14.0), (1.5e-7, 1.7e-7, 1.9e-7), "arm 64 / Graviton")
    url = encode_url([first, second])
    assert url.split("#")[1].count(";") == 7 and "arm%2064%20%2F%20Graviton" in url
    chart = decode_url(url)
    assert [s.legend for s in chart.sets] == ["x86_64", "arm 64 / Graviton"]
    assert chart.sets[1].memory_mb == (128, 512, 1024)
    assert chart.sets[1].duration_ms == tuple(as_float32(d) for d in second.duration_ms)


@pytest.mark.parametrize(("sets", "says"), [
    ([], "not 0"),
    ([ChartSet((128,), (1.0,), (1.0,)), ChartSet((128,), (1.0,), (1.0,))], "needs a legend"),
    ([ChartSet((100,), (1.0,), (1.0,))], "100 MB is outside"),
    ([ChartSet((128,), (1e39,), (1.0,))], "not a positive number a Float32Array holds"),
    ([ChartSet((128, 256), (1.0,), (1.0,))], "2 sizes, 1 durations"),
])
def test_what_a_chart_cannot_show_is_refused_when_encoding(sets: list[ChartSet], says: str) -> None:
    with pytest.raises(UsageError, match=says):
        encode_url(sets)
