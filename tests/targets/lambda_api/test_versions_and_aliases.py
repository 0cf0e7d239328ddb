"""PublishVersion, ListVersionsByFunction, DeleteFunction of a version, and aliases, through real boto3."""

from __future__ import annotations

import json

import pytest


def test_a_published_version_freezes_the_configuration_of_latest(serve) -> None:
    served = serve("environment", memory_mb=256, environment={"TEST_A": "1"})
    latest = served.client.get_function_configuration(FunctionName=served.name)
    one = served.client.publish_version(FunctionName=served.name, Description="first",
                                        RevisionId=latest["RevisionId"])
    assert one["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (one["Version"], one["MemorySize"], one["Description"]) == ("1", 256, "first")
    assert one["FunctionArn"].endswith(f":function:{served.name}:1")
    served.client.get_waiter("published_version_active").wait(FunctionName=served.name, Qualifier="1",
                                                             WaiterConfig={"Delay": 0.1})
    served.client.update_function_configuration(FunctionName=served.name, MemorySize=2048)
    frozen = served.client.get_function_configuration(FunctionName=served.name, Qualifier="1")
    assert (frozen["MemorySize"], frozen["Environment"]) == (256, {"Variables": {"TEST_A": "1"}})
    assert served.client.get_function(FunctionName=f"{served.name}:1")["Configuration"]["MemorySize"] == 256


def test_publishing_an_unchanged_latest_returns_the_last_version(serve) -> None:
    served = serve("environment")
    one = served.client.publish_version(FunctionName=served.name)
    again = served.client.publish_version(FunctionName=served.name)
    served.client.update_function_configuration(FunctionName=served.name, Timeout=7)
    two = served.client.publish_version(FunctionName=served.name)
    assert (one["Version"], again["Version"], two["Version"]) == ("1", "1", "2")


def test_publishing_after_the_last_version_was_deleted_makes_a_new_number(serve) -> None:
    served = serve("environment")
    served.client.publish_version(FunctionName=served.name)
    served.client.update_function_configuration(FunctionName=served.name, Timeout=7)
    served.client.publish_version(FunctionName=served.name)
    served.client.delete_function(FunctionName=served.name, Qualifier="2")
    assert served.client.publish_version(FunctionName=served.name)["Version"] == "3"  # numbers are never reused


def test_publishing_during_an_update_or_with_a_stale_revision_is_refused(serve) -> None:
    served = serve("environment", update_delay_s=1.0)
    stale = served.client.get_function_configuration(FunctionName=served.name)["RevisionId"]
    served.client.update_function_configuration(FunctionName=served.name, MemorySize=512)
    with pytest.raises(served.client.exceptions.ResourceConflictException, match="An update is in progress"):
        served.client.publish_version(FunctionName=served.name)
    served.client.get_waiter("function_updated_v2").wait(FunctionName=served.name, WaiterConfig={"Delay": 0.25})
    with pytest.raises(served.client.exceptions.PreconditionFailedException):
        served.client.publish_version(FunctionName=served.name, RevisionId=stale)


def test_versions_are_listed_after_latest_and_paginate(serve) -> None:
    served = serve("environment")
    for memory in (256, 512, 1024):
        served.publish(MemorySize=memory)
    listed = served.client.list_versions_by_function(FunctionName=served.name)
    assert [(v["Version"], v["MemorySize"]) for v in listed["Versions"]] == \
        [("$LATEST", 1024), ("1", 256), ("2", 512), ("3", 1024)]
    pages = served.client.get_paginator("list_versions_by_function").paginate(
        FunctionName=served.name, PaginationConfig={"PageSize": 3})
    assert [len(page["Versions"]) for page in pages] == [3, 1]


def test_deleting_a_version_removes_it_and_latest_cannot_be_deleted_alone(serve) -> None:
    served = serve("environment")
    served.client.publish_version(FunctionName=served.name)
    served.client.invoke(FunctionName=served.name, Qualifier="1")
    assert served.client.delete_function(FunctionName=served.name, Qualifier="1")["StatusCode"] == 204
    assert [v["Version"] for v in served.client.list_versions_by_function(FunctionName=served.name)["Versions"]] \
        == ["$LATEST"]
    assert sum(served.state()["environments"].values()) == 0  # its sandboxes stopped
    with pytest.raises(served.client.exceptions.ResourceNotFoundException):
        served.client.invoke(FunctionName=served.name, Qualifier="1")
    with pytest.raises(served.client.exceptions.InvalidParameterValueException, match="cannot be deleted"):
        served.client.delete_function(FunctionName=served.name, Qualifier="$LATEST")


def test_deleting_the_function_makes_everything_not_found(serve) -> None:
    served = serve("environment")
    served.client.delete_function(FunctionName=served.name)
    with pytest.raises(served.client.exceptions.ResourceNotFoundException):
        served.client.get_function(FunctionName=served.name)


def test_an_alias_is_created_read_listed_updated_and_deleted(serve) -> None:
    served = serve("environment")
    assert [served.publish(MemorySize=256), served.publish(MemorySize=512)] == ["1", "2"]
    created = served.client.create_alias(FunctionName=served.name, Name="live", FunctionVersion="1",
                                         Description="production")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["AliasArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{served.name}:live"
    got = served.client.get_alias(FunctionName=served.name, Name="live")
    assert (got["FunctionVersion"], got["Description"], got["RevisionId"]) == ("1", "production",
                                                                               created["RevisionId"])
    tune = served.client.create_alias(FunctionName=served.name, Name="tune", FunctionVersion="2")
    assert [a["Name"] for a in served.client.list_aliases(FunctionName=served.name)["Aliases"]] == ["live", "tune"]
    assert [a["Name"] for a in served.client.list_aliases(FunctionName=served.name, FunctionVersion="2")["Aliases"]] \
        == ["tune"]
    with pytest.raises(served.client.exceptions.PreconditionFailedException):
        served.client.update_alias(FunctionName=served.name, Name="tune", FunctionVersion="1", RevisionId="stale")
    moved = served.client.update_alias(FunctionName=served.name, Name="tune", FunctionVersion="1")
    assert moved["FunctionVersion"] == "1" and moved["RevisionId"] != tune["RevisionId"]
    served.client.delete_alias(FunctionName=served.name, Name="tune")
    with pytest.raises(served.client.exceptions.ResourceNotFoundException, match="Alias not found"):
        served.client.get_alias(FunctionName=served.name, Name="tune")


def test_alias_mistakes_get_lambdas_errors(serve) -> None:
    served = serve("environment")
    served.client.publish_version(FunctionName=served.name)
    served.client.create_alias(FunctionName=served.name, Name="live", FunctionVersion="1")
    with pytest.raises(served.client.exceptions.ResourceConflictException, match="Alias already exists"):
        served.client.create_alias(FunctionName=served.name, Name="live", FunctionVersion="1")
    with pytest.raises(served.client.exceptions.ResourceNotFoundException, match=r"function:handlers:9$"):
        served.client.create_alias(FunctionName=served.name, Name="other", FunctionVersion="9")
    with pytest.raises(served.client.exceptions.ResourceConflictException, match=r"aliases reference it: \[live\]"):
        served.client.delete_function(FunctionName=served.name, Qualifier="1")


def test_invoking_an_alias_runs_its_version_and_follows_it_when_it_moves(serve) -> None:
    served = serve("environment", memory_mb=256)
    assert [served.publish(), served.publish(MemorySize=512)] == ["1", "2"]
    served.client.create_alias(FunctionName=served.name, Name="tune", FunctionVersion="1")
    before = served.client.invoke(FunctionName=served.name, Qualifier="tune")
    served.client.update_alias(FunctionName=served.name, Name="tune", FunctionVersion="2")
    after = served.client.invoke(FunctionName=f"arn:aws:lambda:us-east-1:123456789012:function:{served.name}:tune")
    assert (before["ExecutedVersion"], json.loads(before["Payload"].read())["memory"]) == ("1", "256")
    assert (after["ExecutedVersion"], json.loads(after["Payload"].read())["memory"]) == ("2", "512")


def test_an_alias_with_routing_weights_sends_that_share_to_the_other_version(serve) -> None:
    served = serve("environment")
    assert [served.publish(), served.publish(Timeout=9)] == ["1", "2"]
    served.client.create_alias(FunctionName=served.name, Name="canary", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    executed = [served.client.invoke(FunctionName=served.name, Qualifier="canary")["ExecutedVersion"]
                for _ in range(40)]
    assert 8 <= executed.count("2") <= 32 and set(executed) == {"1", "2"}
    assert served.client.get_alias(FunctionName=served.name, Name="canary")["RoutingConfig"] == \
        {"AdditionalVersionWeights": {"2": 0.5}}
