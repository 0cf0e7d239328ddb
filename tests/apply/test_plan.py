"""The plan: what changes (the confirmation table's rows) and what is refused, from a state snapshot."""

from __future__ import annotations

from typing import Any

from advisor.apply.code import Switch
from advisor.apply.desired import Desired, from_options
from advisor.apply.plan import plan_of
from advisor.tune.keepwarm import KeepWarm


def state(**changes: Any) -> dict[str, Any]:
    """A snapshot as read_state returns it: captioner at 1,024 MB, alias live on version 1."""
    return {"function": "captioner", "memory_mb": 1024, "architecture": "x86_64", "alias": "live",
            "alias_version": "1", "alias_memory_mb": 1024, "alias_released_differences": [],
            "aliases": [{"name": "live", "version": "1", "routing": None}], "alias_provisioned": None,
            "scalable_target": None, "scheduled_actions": [], "scaling_policies": [], **changes}


def rows(plan) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(c.setting, c.before, c.after) for c in plan.changes]


def test_memory_and_a_count_publish_a_version_for_the_alias_and_provision_it():
    plan = plan_of(state(), from_options(memory_mb=2048, provisioned=2))
    assert rows(plan) == [("memory ($LATEST)", "1,024 MB", "2,048 MB"),
                          ("alias live", "version 1 (1,024 MB)", "a new version of $LATEST (2,048 MB)"),
                          ("provisioned concurrency on live", "none", "2")]
    assert (plan.memory_mb, plan.publish, plan.provisioned, plan.actions) == (2048, True, 2, ())


def test_an_alias_that_follows_latest_gets_a_version_only_for_provisioned_concurrency():
    following = state(alias_version="$LATEST", alias_memory_mb=1024,
                      aliases=[{"name": "live", "version": "$LATEST", "routing": None}])
    memory_only = plan_of(following, from_options(memory_mb=2048))
    assert not memory_only.publish and rows(memory_only) == [("memory ($LATEST)", "1,024 MB", "2,048 MB")]
    provisioned = plan_of(following, from_options(provisioned=1))
    assert provisioned.publish and ("alias live", "$LATEST", "a new version of $LATEST (1,024 MB)") in rows(provisioned)


def test_a_configuration_already_there_is_an_empty_plan():
    scheduled = state(alias_provisioned=3, scalable_target={"min": 0, "max": 3}, scheduled_actions=[
        {"name": "advisor-live-0800", "schedule": "cron(0 8 * * ? *)", "timezone": "Etc/UTC", "min": 3, "max": 3},
        {"name": "advisor-live-2000", "schedule": "cron(0 20 * * ? *)", "timezone": "Etc/UTC", "min": 1, "max": 1}])
    assert plan_of(scheduled, from_options(memory_mb=1024, schedule="08:00-20:00=3,else=1")).empty
    assert plan_of(state(alias_provisioned=2), from_options(provisioned=2)).empty
    assert plan_of(state(), Desired(1024, "x86_64", KeepWarm("none"))).empty


def test_a_constant_count_replaces_a_schedule_and_a_flat_schedule_is_a_constant():
    scheduled = state(alias_provisioned=3, scalable_target={"min": 0, "max": 3}, scheduled_actions=[
        {"name": "theirs", "schedule": "cron(0 8 * * ? *)", "timezone": None, "min": 3, "max": 3}])
    plan = plan_of(scheduled, from_options(schedule="08:00-20:00=2,else=2"))
    assert rows(plan) == [("provisioned schedule on live", "cron(0 8 * * ? *): 3-3", "none"),
                          ("provisioned concurrency on live", "3", "2")]
    assert plan.provisioned == 2 and plan.actions == ()


def test_pings_remove_provisioned_concurrency_and_say_they_are_left_to_the_iac():
    plan = plan_of(state(alias_provisioned=2), Desired(None, None, KeepWarm("pings", ping_interval_s=300.0,
                                                                             ping_concurrency=2)))
    assert rows(plan) == [("provisioned concurrency on live", "2", "none")] and plan.provisioned == 0
    assert plan.notes[0].startswith("warm-up pings (2 every 5m) are not set by advisor apply")


def test_memory_without_an_alias_changes_latest_and_names_the_aliases_left_behind():
    plan = plan_of(state(alias=None, alias_version=None), from_options(memory_mb=2048))
    assert not plan.publish and plan.notes == (
        "callers of the aliases (live) still run their versions: pass --alias NAME to publish this memory size "
        "and point that alias at it",)


def test_a_candidate_on_the_functions_own_architecture_changes_no_code():
    plan = plan_of(state(), Desired(2048, "x86_64", None))
    assert plan.switch is None and "architecture ($LATEST)" not in [c.setting for c in plan.changes]


def test_an_architecture_switch_is_the_first_row_and_publishes_a_version_for_the_alias():
    switch = Switch("x86_64", "arm64", "Zip", "sha", b"zip", new_zip=b"zip", what="its own package re-uploaded")
    plan = plan_of(state(), Desired(None, "arm64", None), switch)
    assert rows(plan) == [("architecture ($LATEST)", "x86_64", "arm64: its own package re-uploaded"),
                          ("alias live", "version 1 (1,024 MB)", "a new version of $LATEST (1,024 MB, arm64)")]
    assert plan.publish and plan.to_dict()["architecture"] == "arm64"
    alone = plan_of(state(alias=None, alias_version=None), Desired(None, "arm64", None), switch)
    assert not alone.publish and alone.notes == (
        "callers of the aliases (live) still run their versions: pass --alias NAME to publish this architecture "
        "and point that alias at it",)
