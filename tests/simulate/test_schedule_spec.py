"""Hourly provisioned schedules: built from 24 counts, written as --provisioned-schedule text, read back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import UsageError
from advisor.simulate.schedule import ProvisionedSchedule


@given(counts=st.lists(st.integers(0, 5), min_size=24, max_size=24), minute=st.integers(0, 59))
def test_an_hourly_schedule_holds_each_hours_count_and_reads_back_from_its_spec(counts, minute) -> None:
    schedule = ProvisionedSchedule.hourly(counts)
    for hour, count in enumerate(counts):
        assert schedule.count_at(3 * 86_400 + hour * 3600 + minute * 60) == count
    assert ProvisionedSchedule.parse(schedule.spec()) == schedule
    assert schedule.peak == max(counts)


def test_runs_of_equal_hours_are_one_window_and_the_commonest_count_is_else() -> None:
    schedule = ProvisionedSchedule.hourly([1] * 8 + [4] * 10 + [1] * 5 + [2])
    assert schedule.spec() == "08:00-18:00=4,23:00-00:00=2,else=1"


def test_an_hourly_schedule_needs_24_counts() -> None:
    with pytest.raises(UsageError, match="24 counts, got 23"):
        ProvisionedSchedule.hourly([1] * 23)
