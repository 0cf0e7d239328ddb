"""A provisioned schedule as Application Auto Scaling scheduled actions: one per change, in UTC."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from advisor.apply.scaling import constant_count, scheduled_actions
from advisor.simulate.schedule import ProvisionedSchedule

DAY_S = 86_400


def test_a_daytime_window_is_two_actions_at_its_edges():
    actions = scheduled_actions(ProvisionedSchedule.parse("08:00-20:00=5,else=0"), "live")
    assert [(a.name, a.cron, a.count) for a in actions] == [("advisor-live-0800", "cron(0 8 * * ? *)", 5),
                                                            ("advisor-live-2000", "cron(0 20 * * ? *)", 0)]


def test_a_window_across_midnight_and_minutes_keep_their_times():
    actions = scheduled_actions(ProvisionedSchedule.parse("22:30-06:15=2,else=1"), "live")
    assert [(a.clock, a.cron, a.count) for a in actions] == [("06:15", "cron(15 6 * * ? *)", 1),
                                                             ("22:30", "cron(30 22 * * ? *)", 2)]


def test_adjacent_windows_of_the_same_count_are_one_change_and_a_flat_schedule_none():
    schedule = ProvisionedSchedule.parse("08:00-12:00=3,12:00-18:00=3,else=1")
    assert [a.clock for a in scheduled_actions(schedule, "live")] == ["08:00", "18:00"]
    assert scheduled_actions(ProvisionedSchedule.parse("08:00-20:00=2,else=2"), "live") == []
    assert constant_count(ProvisionedSchedule.parse("08:00-20:00=2,else=2")) == 2
    assert constant_count(ProvisionedSchedule.parse("else=0")) == 0
    assert constant_count(ProvisionedSchedule.parse("08:00-20:00=2")) is None


@given(st.lists(st.integers(0, 20), min_size=24, max_size=24), st.integers(0, DAY_S - 1))
def test_the_actions_set_the_schedules_count_at_every_time_of_day(counts, second):
    schedule = ProvisionedSchedule.hourly(counts)
    actions = scheduled_actions(schedule, "live")
    if not actions:
        assert len(set(counts)) == 1
        return
    # What Application Auto Scaling holds at `second`: the count of the last action at or before it (cyclic).
    times = [(a.hour * 3600 + a.minute * 60, a.count) for a in actions]
    held = max((t for t in times if t[0] <= second), default=times[-1])[1]
    assert held == schedule.count_at(second)
    assert len({a.name for a in actions}) == len(actions)
