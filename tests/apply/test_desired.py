"""What to apply: a recommendation's candidate, ``advisor recommend --json``'s file, or options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.apply.desired import Desired, from_candidate, from_file, from_options
from advisor.errors import InputError, UsageError
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.tune.keepwarm import KeepWarm

SCHEDULE = ProvisionedSchedule.parse("08:00-20:00=3,else=1")


def candidate(keep_warm: KeepWarm, **fields) -> dict:
    """A CANDIDATE object as advisor recommend writes it (figures it has, that apply does not read)."""
    return {"architecture": "arm64", "memory_mb": 2048, "keep_warm": keep_warm.to_dict(), "monthly_cost_usd": 12.5,
            "latency_ms": {"p50": 80.0, "p95": 300.0, "p99": None}, "meets_sla": True, "measured": True, **fields}


def recommendation(tmp_path: Path, recommended, function: str = "captioner") -> Path:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps({"function": function, "sla": "p95=2s", "current": None,
                                "recommended": recommended, "candidates": []}))
    return path


@pytest.mark.parametrize("keep_warm", [
    KeepWarm("none"), KeepWarm("provisioned", provisioned=4), KeepWarm("schedule", schedule=SCHEDULE),
    KeepWarm("pings", ping_interval_s=300.0, ping_concurrency=2),
], ids=lambda k: k.kind)
def test_a_candidate_becomes_the_configuration_it_describes(keep_warm):
    assert from_candidate(candidate(keep_warm)) == Desired(2048, "arm64", keep_warm, "the recommendation")


@given(st.lists(st.integers(0, 50), min_size=24, max_size=24))
def test_any_hourly_schedule_survives_the_json_of_a_candidate(counts):
    keep_warm = KeepWarm("schedule", schedule=ProvisionedSchedule.hourly(counts))
    read = from_candidate(json.loads(json.dumps(candidate(keep_warm))))
    assert read.keep_warm is not None and read.keep_warm.schedule is not None
    assert [read.keep_warm.schedule.count_at(hour * 3600) for hour in range(24)] == counts


@pytest.mark.parametrize(("change", "message"), [
    ({"memory_mb": None}, "the recommended candidate has no memory_mb"),
    ({"memory_mb": 64}, "memory_mb"),
    ({"memory_mb": "big"}, "memory_mb"),
    ({"architecture": "sparc"}, "'sparc' is not a Lambda architecture"),
    ({"keep_warm": {"kind": "magic"}}, "keep-warm strategy 'magic' is not known"),
    ({"keep_warm": {"kind": "schedule", "schedule": "8-20=3"}}, "cannot read '8-20=3'"),
    ({"keep_warm": {"kind": "provisioned", "provisioned": 2.5}}, "provisioned 2.5 is not a whole number"),
    ({"keep_warm": {"kind": "pings", "ping_interval_s": "5m", "ping_concurrency": 1}}, "ping_interval_s '5m'"),
    ({"keep_warm": None}, "no keep_warm"),
])
def test_a_bad_candidate_is_one_input_error_naming_the_field(change, message):
    with pytest.raises(InputError, match=message) as raised:
        from_candidate({**candidate(KeepWarm("none")), **change}, source="--from rec.json")
    assert "\n" not in str(raised.value) and str(raised.value).startswith("--from rec.json")


def test_the_recommended_object_of_the_file_is_read(tmp_path):
    path = recommendation(tmp_path, candidate(KeepWarm("provisioned", provisioned=2)))
    desired = from_file(path, function="captioner")
    assert (desired.memory_mb, desired.architecture) == (2048, "arm64")
    assert desired.keep_warm == KeepWarm("provisioned", provisioned=2)
    assert desired.source == f"--from {path}"


@pytest.mark.parametrize(("content", "function", "message"), [
    (None, "captioner", "no such file"),
    ("{not json", "captioner", "is not JSON"),
    ("[1, 2]", "captioner", "has no 'recommended' object"),
    (json.dumps({"function": "resizer", "recommended": None}), "captioner",
     "is the recommendation for 'resizer', not 'captioner'"),
    (json.dumps({"function": "captioner", "recommended": None}), "captioner", "recommends nothing"),
])
def test_a_bad_recommendation_file_is_one_input_error_naming_it(tmp_path, content, function, message):
    path = tmp_path / "rec.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message) as raised:
        from_file(path, function=function)
    assert str(path) in str(raised.value)


def test_options_set_only_what_they_name_and_provisioned_0_removes_it():
    assert from_options(memory_mb=1769) == Desired(memory_mb=1769)
    assert from_options(provisioned=0).keep_warm == KeepWarm("none")
    assert from_options(schedule="22:00-06:00=2").keep_warm == KeepWarm(
        "schedule", schedule=ProvisionedSchedule.parse("22:00-06:00=2"))


@pytest.mark.parametrize(("options", "message"), [
    ({}, "nothing to apply"),
    ({"provisioned": 1, "schedule": "08:00-20:00=1"}, "--provisioned and --schedule both"),
    ({"schedule": "08:00-07:00=1,else=x"}, "cannot read 'else=x'"),
    ({"schedule": "08:00-12:00=1,10:00-14:00=2"}, "windows overlap"),
    ({"memory_mb": 20000}, "--memory"),
    ({"architecture": "ppc"}, "'ppc' is not a Lambda architecture"),
    ({"provisioned": -1}, "--provisioned"),
])
def test_bad_options_are_usage_errors_naming_the_option(options, message):
    with pytest.raises(UsageError, match=message):
        from_options(**options)
