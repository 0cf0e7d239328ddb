"""The one duration syntax: what it reads, what it refuses, and that it reads what it writes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import UsageError
from advisor.logs.decoding import iso_to_ns
from advisor.units import (
    EPOCH_NS_RANGE,
    NS_PER_MS,
    epoch_ms_to_ns,
    format_duration,
    parse_duration,
    parse_rate,
)


@pytest.mark.parametrize(("text", "seconds"), [
    ("600", 600.0), ("10m", 600.0), ("1h30m", 5400.0), ("250ms", 0.25), ("90s", 90.0), ("2h", 7200.0),
    ("1d", 86_400.0), ("1w", 604_800.0), ("10min", 600.0), ("1.5h", 5400.0), (" 2M ", 120.0),
    ("1m30s", 90.0), ("1s500ms", 1.5), (".5s", 0.5),
])
def test_every_form_reads_as_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text, option="--keep-alive") == seconds


def test_a_bare_number_takes_the_options_unit_and_inf_only_where_allowed() -> None:
    assert parse_duration("250", option="--x", default_unit="ms") == 0.25
    assert parse_duration("inf", option="--keep-alive", allow_inf=True) == math.inf
    with pytest.raises(UsageError, match="--timeout 'inf' must be a finite duration"):
        parse_duration("inf", option="--timeout")
    with pytest.raises(UsageError, match="--since '7' has no unit"):
        parse_duration("7", option="--since", default_unit=None)


@pytest.mark.parametrize("text", ["", "m", "10x", "-5", "1m1h", "1m1m", "1h 30m", "10 m s", "1e3", "nan", "1,5s"])
def test_anything_else_is_a_usage_error_naming_the_option_and_value(text: str) -> None:
    with pytest.raises(UsageError, match=f"--keep-alive {text!r}"):
        parse_duration(text, option="--keep-alive")


@given(st.integers(min_value=0, max_value=10**9))
def test_whole_seconds_read_back_what_format_writes(seconds: int) -> None:
    assert parse_duration(format_duration(seconds), option="--x") == seconds


@given(st.text(max_size=16))
def test_any_text_is_a_duration_or_a_usage_error(text: str) -> None:
    try:
        value = parse_duration(text, option="--x", allow_inf=True)
    except UsageError:
        return
    assert value >= 0


@pytest.mark.parametrize(("text", "per_second"), [
    ("5/s", 5.0), ("300/min", 5.0), ("300/m", 5.0), ("2/h", 2 / 3600), ("100/d", 100 / 86_400), (" 1.5/S ", 1.5),
    (".5/s", 0.5),
])
def test_a_rate_reads_as_requests_per_second(text: str, per_second: float) -> None:
    assert parse_rate(text, option="--rate") == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["5", "5/", "/s", "5/year", "five/s", "-1/s", "5/s/s", "0/s", ""])
def test_anything_else_is_not_a_rate_and_says_so(text: str) -> None:
    with pytest.raises(UsageError, match=r"--rate .*(not a rate|above 0)"):
        parse_rate(text, option="--rate")


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_epoch_ms_become_ns_exactly_or_are_refused_beyond_int64(ms: int):
    low, high = EPOCH_NS_RANGE
    if low <= ms * NS_PER_MS <= high:
        assert epoch_ms_to_ns(ms) == ms * NS_PER_MS
    else:
        with pytest.raises(ValueError, match="outside the years 1677-2262"):
            epoch_ms_to_ns(ms)


@pytest.mark.parametrize(("text", "ns"), [
    ("1970-01-01T00:00:00Z", 0),
    ("2262-04-11T23:47:16.854775Z", 9_223_372_036_854_775_000),
    ("2026-01-05T00:00:00.077", 1_767_571_200_077_000_000),
])
def test_iso_times_within_int64_ns_are_read(text: str, ns: int):
    assert iso_to_ns(text) == ns


@pytest.mark.parametrize("text", ["2262-04-11T23:47:17Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_iso_times_beyond_int64_ns_are_refused(text: str):
    with pytest.raises(ValueError, match="outside the years 1677-2262"):
        iso_to_ns(text)


@pytest.mark.parametrize("ms", [math.inf, -math.inf, math.nan])
def test_an_epoch_that_is_no_number_is_refused(ms: float):
    with pytest.raises(ValueError, match="is not a time"):
        epoch_ms_to_ns(ms)
