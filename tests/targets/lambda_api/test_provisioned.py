"""Provisioned concurrency through real boto3: IN_PROGRESS then READY, with environments really pre-warmed."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import pytest

from advisor.logs.report import parse_report

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def wait_ready(client: Any, name: str, qualifier: str, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        config = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
        if config["Status"] != "IN_PROGRESS":
            return config
        time.sleep(0.1)
    raise AssertionError("provisioned concurrency stayed IN_PROGRESS")


def test_provisioned_environments_are_warm_before_the_first_request(serve) -> None:
    served = serve(f"{EXAMPLES / 'heavy_init.py'}:handler", memory_mb=1024, timeout_s=30)
    served.client.publish_version(FunctionName=served.name)
    served.client.create_alias(FunctionName=served.name, Name="live", FunctionVersion="1")
    put = served.client.put_provisioned_concurrency_config(FunctionName=served.name, Qualifier="live",
                                                           ProvisionedConcurrentExecutions=2)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (put["Status"], put["RequestedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 2)
    ready = wait_ready(served.client, served.name, "live")
    assert (ready["Status"], ready["AllocatedProvisionedConcurrentExecutions"],
            ready["AvailableProvisionedConcurrentExecutions"]) == ("READY", 2, 2)
    answer = served.client.invoke(FunctionName=served.name, Qualifier="live", Payload=b'{"k": 3}', LogType="Tail")
    report = parse_report(base64.b64decode(answer["LogResult"]).decode().rstrip("\n").rsplit("\n", 1)[-1])
    assert report.init_ms is None  # its init ran when it was provisioned
    assert answer["ExecutedVersion"] == "1"
    assert sum(served.state()["environments"].values()) == 2


def test_provisioned_configs_are_listed_and_deleted(serve) -> None:
    served = serve("environment")
    served.client.publish_version(FunctionName=served.name)
    served.client.put_provisioned_concurrency_config(FunctionName=served.name, Qualifier="1",
                                                     ProvisionedConcurrentExecutions=1)
    wait_ready(served.client, served.name, "1")
    listed = served.client.list_provisioned_concurrency_configs(FunctionName=served.name)
    assert [(c["FunctionArn"].rsplit(":", 1)[-1], c["Status"]) for c in listed["ProvisionedConcurrencyConfigs"]] \
        == [("1", "READY")]
    served.client.delete_provisioned_concurrency_config(FunctionName=served.name, Qualifier="1")
    with pytest.raises(served.client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        served.client.get_provisioned_concurrency_config(FunctionName=served.name, Qualifier="1")
    assert served.client.list_provisioned_concurrency_configs(FunctionName=served.name)[
        "ProvisionedConcurrencyConfigs"] == []


def test_provisioned_concurrency_on_latest_or_beyond_the_limit_is_refused(serve) -> None:
    served = serve("environment", max_concurrency=2)
    with pytest.raises(served.client.exceptions.InvalidParameterValueException, match="unpublished"):
        served.client.put_provisioned_concurrency_config(FunctionName=served.name, Qualifier="$LATEST",
                                                         ProvisionedConcurrentExecutions=1)
    served.client.publish_version(FunctionName=served.name)
    with pytest.raises(served.client.exceptions.InvalidParameterValueException, match="concurrency limit"):
        served.client.put_provisioned_concurrency_config(FunctionName=served.name, Qualifier="1",
                                                         ProvisionedConcurrentExecutions=3)


def test_a_handler_that_cannot_initialise_fails_its_provisioned_config(serve) -> None:
    served = serve(f"{Path(__file__).resolve().parents[1] / 'broken_import.py'}:handler")
    served.client.publish_version(FunctionName=served.name)
    served.client.put_provisioned_concurrency_config(FunctionName=served.name, Qualifier="1",
                                                     ProvisionedConcurrentExecutions=1)
    failed = wait_ready(served.client, served.name, "1")
    assert failed["Status"] == "FAILED" and "FUNCTION_ERROR_INIT_FAILURE" in failed["StatusReason"]
