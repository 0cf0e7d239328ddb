"""Invoke through real boto3: payloads, versions, the log tail and its REPORT, handler errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pandas as pd
import pytest

from advisor.logs.jsonlog import JsonLogParser
from advisor.logs.report import Report, parse_report

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def tail(answer: dict) -> str:
    """The decoded LogResult of an Invoke answer."""
    return base64.b64decode(answer["LogResult"]).decode()


def report(answer: dict) -> Report:
    """The REPORT of an Invoke answer's log tail, read by advisor's own parser (it is the last line)."""
    text = tail(answer)
    assert text.endswith("\n")
    return parse_report(text.rstrip("\n").rsplit("\n", 1)[-1])


def test_a_real_model_answers_with_its_prediction_and_a_report_of_its_cold_start(serve) -> None:
    served = serve(f"{EXAMPLES / 'digits_classifier.py'}:handler", memory_mb=1024, timeout_s=30)
    first = served.client.invoke(FunctionName=served.name, Payload=b'{"n": 3}', LogType="Tail")
    second = served.client.invoke(FunctionName=served.name, Payload=b'{"n": 3}', LogType="Tail")
    assert first["StatusCode"] == 200 and "FunctionError" not in first
    assert first["ExecutedVersion"] == "$LATEST"
    assert json.loads(first["Payload"].read()) == json.loads(second["Payload"].read())
    cold, warm = report(first), report(second)
    assert cold.memory_mb == warm.memory_mb == 1024
    assert cold.init_ms is not None and cold.init_ms > 0 and warm.init_ms is None
    assert cold.status == warm.status == "success"
    assert 0 < warm.duration_ms <= warm.billed_duration_ms
    assert tail(first).startswith("INIT_START ")
    assert f"START RequestId: {warm.request_id} Version: $LATEST" in tail(second)


def test_a_version_runs_at_its_own_memory_and_environment(serve) -> None:
    served = serve("environment", memory_mb=256, environment={"TEST_SIZE": "small"})
    one, two = served.publish(), served.publish(MemorySize=768, Environment={"Variables": {"TEST_SIZE": "large"}})
    answers = {q: served.client.invoke(FunctionName=served.name, Qualifier=q, LogType="Tail") for q in (one, two)}
    latest = served.client.invoke(FunctionName=f"{served.name}:$LATEST", LogType="Tail")
    for qualifier, memory, size in ((one, 256, "small"), (two, 768, "large")):
        answer = answers[qualifier]
        assert answer["ExecutedVersion"] == qualifier
        body = json.loads(answer["Payload"].read())
        assert (body["memory"], body["version"], body["variables"]) == (str(memory), qualifier, {"TEST_SIZE": size})
        assert report(answer).memory_mb == memory
        assert f"Version: {qualifier}" in tail(answer)
        assert f"/[{qualifier}]" in body["log_stream"]
    assert report(latest).memory_mb == 768 and latest["ExecutedVersion"] == "$LATEST"


def test_changing_an_environment_variable_gives_a_fresh_sandbox(serve) -> None:
    served = serve("environment", memory_mb=256)
    first = served.client.invoke(FunctionName=served.name, LogType="Tail")
    warm = served.client.invoke(FunctionName=served.name, LogType="Tail")
    served.client.update_function_configuration(FunctionName=served.name,
                                                Environment={"Variables": {"TEST_TOUCH": "1"}})
    fresh = served.client.invoke(FunctionName=served.name, LogType="Tail")
    pids = [json.loads(a["Payload"].read())["pid"] for a in (first, warm, fresh)]
    assert pids[0] == pids[1] != pids[2]
    assert [report(a).init_ms is not None for a in (first, warm, fresh)] == [True, False, True]


def test_a_handler_error_is_an_unhandled_function_error_with_lambdas_payload(serve) -> None:
    served = serve("fail")
    answer = served.client.invoke(FunctionName=served.name, LogType="Tail")
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("KeyError", "'no such tenant'")
    assert error["requestId"] == report(answer).request_id
    assert any("raise KeyError" in line for line in error["stackTrace"])
    assert (report(answer).status, report(answer).error_type) == ("error", "KeyError")
    assert "[ERROR] KeyError: 'no such tenant'" in tail(answer)


def test_the_json_log_format_tail_is_read_by_advisors_json_log_parser(serve) -> None:
    served = serve("environment", memory_mb=512, log_format="JSON")
    assert served.client.get_function_configuration(FunctionName=served.name)["LoggingConfig"]["LogFormat"] == "JSON"
    answers = [served.client.invoke(FunctionName=served.name, LogType="Tail") for _ in range(2)]
    for answer, cold in zip(answers, (True, False), strict=True):
        lines = tail(answer).splitlines()
        assert json.loads(lines[-1])["type"] == "platform.report"
        assert "environment {}" in lines  # what the handler prints stays text, as Lambda's runtime writes it
        parsed = JsonLogParser().parse(tail(answer), source="LogResult")
        assert not parsed.rejected
        record = parsed.records.iloc[0]
        assert record["memory_mb"] == 512 and record["status"] == "success"
        assert (record["init_ms"] > 0) if cold else pd.isna(record["init_ms"])


def test_switching_the_log_format_to_json_changes_the_tail(serve) -> None:
    served = serve("fail")
    served.client.update_function_configuration(FunctionName=served.name, LoggingConfig={"LogFormat": "JSON"})
    answer = served.client.invoke(FunctionName=served.name, LogType="Tail")
    events = [json.loads(line) for line in tail(answer).splitlines() if line.startswith("{")]
    error = next(e for e in events if e.get("level") == "ERROR")
    assert error["message"]["errorType"] == "KeyError"
    last = events[-1]
    assert (last["type"], last["record"]["status"], last["record"]["errorType"]) == ("platform.report", "error",
                                                                                     "KeyError")


def test_the_tail_is_the_last_4_kb_and_still_ends_with_the_report(serve) -> None:
    served = serve("environment")
    answer = served.client.invoke(FunctionName=served.name, Payload=json.dumps({"pad": "y" * 10_000}).encode(),
                                  LogType="Tail")
    assert len(base64.b64decode(answer["LogResult"])) == 4096
    assert report(answer).memory_mb == 128


def test_without_tail_there_is_no_log_result(serve) -> None:
    served = serve("environment")
    assert "LogResult" not in served.client.invoke(FunctionName=served.name)


def test_a_payload_that_is_not_json_is_invalid_request_content(serve) -> None:
    served = serve("environment")
    with pytest.raises(served.client.exceptions.InvalidRequestContentException, match="Could not parse"):
        served.client.invoke(FunctionName=served.name, Payload=b"{not json")


def test_a_payload_over_6_mb_is_request_too_large(serve) -> None:
    served = serve("environment")
    with pytest.raises(served.client.exceptions.RequestTooLargeException) as caught:
        served.client.invoke(FunctionName=served.name, Payload=json.dumps("z" * (6 * 1024 * 1024)).encode())
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_a_response_over_6_mb_is_a_function_error(serve) -> None:
    served = serve("big", memory_mb=512)
    answer = served.client.invoke(FunctionName=served.name, Payload=b'{"mb": 7}')
    assert answer["FunctionError"] == "Unhandled"
    assert json.loads(answer["Payload"].read())["errorType"] == "Function.ResponseSizeTooLarge"


def test_dry_run_and_event_invocations_answer_204_and_202(serve) -> None:
    served = serve("environment")
    assert served.client.invoke(FunctionName=served.name, InvocationType="DryRun")["StatusCode"] == 204
    assert served.client.invoke(FunctionName=served.name, InvocationType="Event")["StatusCode"] == 202


def test_a_missing_version_is_not_found(serve) -> None:
    served = serve("environment")
    with pytest.raises(served.client.exceptions.ResourceNotFoundException, match=r"function:handlers:7$"):
        served.client.invoke(FunctionName=served.name, Qualifier="7")


def test_a_handler_that_cannot_be_imported_answers_with_its_init_error(serve) -> None:
    served = serve(f"{Path(__file__).resolve().parents[1] / 'broken_import.py'}:handler")
    answer = served.client.invoke(FunctionName=served.name, LogType="Tail")
    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert (error["errorType"], error["requestId"]) == ("Runtime.ImportModuleError", "")
    assert "advisor_no_such_dependency" in error["errorMessage"]
    assert "Runtime.ImportModuleError" in tail(answer)


def test_every_invocation_is_appended_to_the_log_that_advisor_imports(serve, tmp_path) -> None:
    log = tmp_path / "served.log"
    served = serve("environment", memory_mb=384, log_path=log)
    served.client.publish_version(FunctionName=served.name)
    for qualifier in ("$LATEST", "1"):
        served.client.invoke(FunctionName=served.name, Qualifier=qualifier)
    from advisor.logs.text import TextParser

    records = TextParser().parse(log.read_text(), source=str(log)).records
    assert list(records["memory_mb"]) == [384, 384] and records["init_ms"].notna().all()
    assert "Version: 1" in log.read_text()
