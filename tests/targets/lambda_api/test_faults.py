"""Fault injection (throttling, timeouts, out of memory) and the concurrency limit, seen by real boto3."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request

import pytest

from advisor.errors import UsageError
from advisor.logs.report import parse_report
from advisor.targets.lambda_api import Faults
from advisor.targets.local import billed_ms


def last_report(answer: dict):
    return parse_report(base64.b64decode(answer["LogResult"]).decode().rstrip("\n").rsplit("\n", 1)[-1])


def set_faults(endpoint_url: str, faults: dict) -> dict:
    request = urllib.request.Request(f"{endpoint_url}/_advisor/faults", data=json.dumps(faults).encode(),
                                     method="PUT")
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def test_an_injected_throttle_is_a_429_with_retry_after(serve) -> None:
    served = serve("environment", faults=Faults(throttle=1.0))
    with pytest.raises(served.client.exceptions.TooManyRequestsException) as caught:
        served.client.invoke(FunctionName=served.name)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["retryAfterSeconds"] == "1" and error["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert served.state()["invocations"] == 0  # the handler did not run


def test_a_throttled_fraction_is_retried_by_botocore(serve, lambda_client) -> None:
    served = serve("environment", faults=Faults(throttle=0.3), seed=3)
    patient = lambda_client(served.server.endpoint_url, attempts=10)
    answers = [patient.invoke(FunctionName=served.name) for _ in range(10)]
    assert all(a["StatusCode"] == 200 for a in answers)
    assert sum(a["ResponseMetadata"]["RetryAttempts"] for a in answers) > 0


def test_an_injected_timeout_reports_lambdas_timeout_after_the_functions_timeout(serve) -> None:
    served = serve("environment", timeout_s=1)
    assert set_faults(served.server.endpoint_url, {"timeout": 1.0}) == {"throttle": 0.0, "timeout": 1.0, "oom": None}
    answer = served.client.invoke(FunctionName=served.name, LogType="Tail")
    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    report = last_report(answer)
    assert (report.status, report.duration_ms) == ("timeout", 1000.0)
    assert report.billed_duration_ms == billed_ms(1000.0, report.init_ms)
    assert "Task timed out after 1.00 seconds" in base64.b64decode(answer["LogResult"]).decode()
    set_faults(served.server.endpoint_url, {})
    after = served.client.invoke(FunctionName=served.name, LogType="Tail")
    assert last_report(after).init_ms is not None  # the environment was replaced


def test_a_real_timeout_is_reported_the_same_way(serve) -> None:
    served = serve("sleep", timeout_s=1)
    answer = served.client.invoke(FunctionName=served.name, Payload=b'{"seconds": 3}', LogType="Tail")
    assert json.loads(answer["Payload"].read())["errorType"] == "Sandbox.Timedout"
    assert last_report(answer).status == "timeout"


def test_memory_sizes_below_the_oom_size_run_out_of_memory(serve) -> None:
    served = serve("environment", memory_mb=256, faults=Faults.parse("oom=512"))
    small = served.client.invoke(FunctionName=served.name, LogType="Tail")
    assert small["FunctionError"] == "Unhandled"
    assert json.loads(small["Payload"].read())["errorType"] == "Runtime.OutOfMemory"
    report = last_report(small)
    assert (report.status, report.error_type, report.max_memory_used_mb) == ("error", "Runtime.OutOfMemory", 256)
    served.client.update_function_configuration(FunctionName=served.name, MemorySize=512)
    large = served.client.invoke(FunctionName=served.name, LogType="Tail")
    assert "FunctionError" not in large and last_report(large).status == "success"


def test_invocations_beyond_the_concurrency_limit_are_throttled(serve) -> None:
    served = serve("sleep", max_concurrency=1, timeout_s=5)
    slow = threading.Thread(target=served.client.invoke,
                            kwargs={"FunctionName": served.name, "Payload": b'{"seconds": 1.5}'})
    slow.start()
    try:
        for _ in range(100):  # until the slow one is in flight
            if served.state()["environments"]:
                break
            threading.Event().wait(0.02)
        with pytest.raises(served.client.exceptions.TooManyRequestsException):
            served.client.invoke(FunctionName=served.name, Payload=b'{"seconds": 0}')
    finally:
        slow.join()


@pytest.mark.parametrize(("spec", "message"), [
    ("throttle=2", "not a fraction"),
    ("oom=64", "not a memory size"),
    ("slow=1", "unknown fault 'slow'"),
    ("throttle", "is not NAME=VALUE"),
    ("timeout=x", "is not a number"),
    ("throttle=0.6,timeout=0.6", "add up to more than 1"),
])
def test_a_bad_fault_spec_is_a_usage_error_naming_it(spec, message) -> None:
    with pytest.raises(UsageError, match=message):
        Faults.parse(spec)


def test_bad_faults_through_the_admin_endpoint_are_a_400(serve) -> None:
    served = serve("environment")
    with pytest.raises(urllib.error.HTTPError) as caught:
        set_faults(served.server.endpoint_url, {"throttle": 5})
    assert caught.value.code == 400
    assert caught.value.headers["x-amzn-ErrorType"] == "InvalidParameterValueException"


def test_an_unknown_path_is_an_unknown_operation(serve) -> None:
    served = serve("environment")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{served.server.endpoint_url}/2015-03-31/nothing")
    assert caught.value.code == 404 and caught.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"
