"""--since/--until values: durations back from now and ISO 8601 times, all UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import UsageError
from advisor.timeparse import parse_since

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", datetime(2026, 11, 16, 12, 0, tzinfo=timezone.utc)),
        ("24h", datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)),
        ("90m", datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)),
        ("30s", datetime(2026, 11, 23, 11, 59, 30, tzinfo=timezone.utc)),
        ("2w", datetime(2026, 11, 9, 12, 0, tzinfo=timezone.utc)),
        (" 1.5h ", datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)),
        ("1h30m", datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)),
        ("1d12h", datetime(2026, 11, 22, 0, 0, tzinfo=timezone.utc)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=timezone.utc)),
        ("2026-11-20T08:15", datetime(2026, 11, 20, 8, 15, tzinfo=timezone.utc)),
        ("2026-11-20T08:15:00Z", datetime(2026, 11, 20, 8, 15, tzinfo=timezone.utc)),
        ("2026-11-20T10:15:00+02:00", datetime(2026, 11, 20, 8, 15, tzinfo=timezone.utc)),
    ],
)
def test_durations_and_iso_times_become_utc(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "7", "7 days", "yesterday", "2026-13-01", "-3d", "d7"])
def test_anything_else_is_a_usage_error_naming_the_value(text: str) -> None:
    with pytest.raises(UsageError, match=f"cannot read the time --since {text!r}"):
        parse_since(text, now=NOW)


@given(st.integers(min_value=0, max_value=10_000))
def test_days_are_exactly_that_many_days_before_now(days: int) -> None:
    assert NOW - parse_since(f"{days}d", now=NOW) == timedelta(days=days)


@given(st.text(max_size=30))
def test_any_text_is_a_time_or_a_usage_error(text: str) -> None:
    try:
        result = parse_since(text, now=NOW)
    except UsageError:
        return
    assert result.tzinfo is not None


def test_a_duration_reaching_before_year_one_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="too far back"):
        parse_since("99999999d", now=NOW)
