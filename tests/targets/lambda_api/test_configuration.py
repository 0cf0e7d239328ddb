"""GetFunction, GetFunctionConfiguration and UpdateFunctionConfiguration through real boto3."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError


def test_the_configuration_has_what_lambda_returns(serve) -> None:
    served = serve("environment", function_name="classifier", memory_mb=256, timeout_s=5,
                   environment={"TEST_MODEL": "small"})
    config = served.client.get_function_configuration(FunctionName="classifier")
    assert config["FunctionName"] == "classifier"
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:classifier"
    assert (config["MemorySize"], config["Timeout"], config["Version"]) == (256, 5, "$LATEST")
    assert config["Environment"] == {"Variables": {"TEST_MODEL": "small"}}
    assert config["Architectures"][0] in ("x86_64", "arm64")
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/classifier"}
    assert len(config["RevisionId"]) == 36
    function = served.client.get_function(FunctionName=config["FunctionArn"])
    config.pop("ResponseMetadata")
    assert function["Configuration"] == config
    assert function["Code"]["RepositoryType"] == "S3"


def test_the_function_name_defaults_to_the_handler_file(serve) -> None:
    served = serve("environment")
    assert served.client.get_function(FunctionName="handlers")["Configuration"]["FunctionName"] == "handlers"


def test_an_update_changes_memory_timeout_and_environment_and_gives_a_new_revision(serve) -> None:
    served = serve("environment", memory_mb=128)
    before = served.client.get_function_configuration(FunctionName=served.name)
    after = served.client.update_function_configuration(
        FunctionName=served.name, MemorySize=1024, Timeout=10, Environment={"Variables": {"TEST_A": "1"}},
        RevisionId=before["RevisionId"])
    assert (after["MemorySize"], after["Timeout"], after["Environment"]) == (1024, 10, {"Variables": {"TEST_A": "1"}})
    assert after["RevisionId"] != before["RevisionId"]
    assert after["LastUpdateStatus"] == "InProgress"  # Lambda answers before the update completes
    done = served.client.get_function_configuration(FunctionName=served.name)
    assert (done["MemorySize"], done["Timeout"], done["LastUpdateStatus"]) == (1024, 10, "Successful")


def test_the_revision_moves_again_when_the_update_completes(serve) -> None:
    served = serve("environment", update_delay_s=0.5)
    updated = served.client.update_function_configuration(FunctionName=served.name, MemorySize=512)
    served.client.get_waiter("function_updated_v2").wait(FunctionName=served.name, WaiterConfig={"Delay": 0.2})
    current = served.client.get_function_configuration(FunctionName=served.name)["RevisionId"]
    assert current != updated["RevisionId"]
    with pytest.raises(served.client.exceptions.PreconditionFailedException):
        served.client.publish_version(FunctionName=served.name, RevisionId=updated["RevisionId"])
    assert served.client.publish_version(FunctionName=served.name, RevisionId=current)["Version"] == "1"


def test_an_update_with_a_stale_revision_id_is_a_precondition_failure(serve) -> None:
    served = serve("environment")
    stale = served.client.get_function_configuration(FunctionName=served.name)["RevisionId"]
    served.client.update_function_configuration(FunctionName=served.name, MemorySize=512)
    with pytest.raises(served.client.exceptions.PreconditionFailedException) as caught:
        served.client.update_function_configuration(FunctionName=served.name, MemorySize=256, RevisionId=stale)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert "Revision Id provided does not match" in caught.value.response["Error"]["Message"]


def test_the_updated_waiter_waits_while_the_update_is_in_progress(serve) -> None:
    served = serve("environment", update_delay_s=1.5)
    updated = served.client.update_function_configuration(FunctionName=served.name, MemorySize=512)
    assert updated["LastUpdateStatus"] == "InProgress"
    with pytest.raises(served.client.exceptions.ResourceConflictException, match="update is in progress"):
        served.client.update_function_configuration(FunctionName=served.name, MemorySize=640)
    started = time.monotonic()
    served.client.get_waiter("function_updated_v2").wait(FunctionName=served.name, WaiterConfig={"Delay": 0.25})
    waited = time.monotonic() - started
    assert 1.0 <= waited < 5.0
    assert served.client.get_function(FunctionName=served.name)["Configuration"]["LastUpdateStatus"] == "Successful"
    served.client.get_waiter("function_active_v2").wait(FunctionName=served.name)


def test_an_invocation_during_an_update_runs_the_configuration_from_before(serve) -> None:
    served = serve("environment", memory_mb=256, update_delay_s=2.0)
    served.client.update_function_configuration(FunctionName=served.name, MemorySize=512)
    during = served.client.invoke(FunctionName=served.name)
    served.client.get_waiter("function_updated_v2").wait(FunctionName=served.name, WaiterConfig={"Delay": 0.25})
    after = served.client.invoke(FunctionName=served.name)
    assert b'"memory": "256"' in during["Payload"].read()
    assert b'"memory": "512"' in after["Payload"].read()


@pytest.mark.parametrize(("change", "code", "message"), [
    ({"MemorySize": 20_000}, "ValidationException", "less than or equal to 10240"),
    ({"Timeout": 901}, "ValidationException", "between 1 and 900"),
    ({"Environment": {"Variables": {"AWS_REGION": "eu-west-1"}}}, "InvalidParameterValueException",
     "Reserved keys used in this request: AWS_REGION"),
    ({"LoggingConfig": {"LogFormat": "XML"}}, "ValidationException", "enum value set: \\[Text, JSON\\]"),
    ({"Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:numpy:1"]}, "InvalidParameterValueException",
     "does not emulate Layers in UpdateFunctionConfiguration"),
])
def test_a_configuration_lambda_refuses_is_refused_with_its_error(serve, change, code, message) -> None:
    served = serve("environment")
    with pytest.raises(ClientError, match=message) as caught:
        served.client.update_function_configuration(FunctionName=served.name, **change)
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_another_function_is_not_found(serve) -> None:
    served = serve("environment")
    with pytest.raises(served.client.exceptions.ResourceNotFoundException) as caught:
        served.client.get_function_configuration(FunctionName="someone-else")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    arn = "arn:aws:lambda:us-east-1:123456789012:function:someone-else"
    assert error["Error"]["Message"] == f"Function not found: {arn}"


def test_account_settings_give_the_servers_concurrency_limit(serve) -> None:
    served = serve("environment", max_concurrency=3)
    settings = served.client.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 3
    assert settings["AccountUsage"]["FunctionCount"] == 1
