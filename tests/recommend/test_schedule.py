"""The hourly schedule read back from a keep-warm schedule: 24 counts, the windows' own."""

from __future__ import annotations

from advisor.recommend.schedule import HourlySchedule
from advisor.simulate.schedule import ProvisionedSchedule


def test_each_utc_hour_gets_its_window_s_count() -> None:
    schedule = ProvisionedSchedule.parse("08:00-20:00=3,22:00-02:00=1,else=0")
    hours = HourlySchedule.of(schedule, "words").hours_utc
    assert len(hours) == 24
    assert hours[8:20] == (3,) * 12 and hours[22:] == (1, 1) and hours[:2] == (1, 1)
    assert hours[2:8] == (0,) * 6 and hours[20:22] == (0, 0)


def test_hourly_counts_round_trip_through_the_keep_warm_schedule() -> None:
    counts = [0] * 7 + [2, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1] + [0] * 5
    hourly = HourlySchedule.of(ProvisionedSchedule.hourly(counts), "words")
    assert list(hourly.hours_utc) == counts
    assert hourly.to_dict()["spec"] == ProvisionedSchedule.hourly(counts).spec()
