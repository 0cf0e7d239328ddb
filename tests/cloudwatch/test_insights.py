"""Logs Insights windows under the 10,000-row limit, with botocore's Stubber fed real response shapes.

moto does not implement Insights queries, so the client is a real botocore client whose
HTTP layer is replaced by the Stubber; request parameters are checked exactly.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import Stubber

from advisor.cloudwatch import INSIGHTS_QUERY, INSIGHTS_ROW_LIMIT, function_config, insights_events
from advisor.errors import RemoteError

LOG_GROUP = "/aws/lambda/captioner"
T0 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
T0_S = int(T0.timestamp())
STREAM = "2026/11/20/[$LATEST]e34ea4d32b8f441c96246bbee30ff465"
STATS = {"recordsMatched": 1.0, "recordsScanned": 1.0, "bytesScanned": 1.0}


def row(index: int, offset_ms: int) -> list[dict[str, str]]:
    """One result row as get_query_results returns it: every value a string, plus @ptr."""
    stamp = (T0 + timedelta(milliseconds=offset_ms)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    message = (
        f"REPORT RequestId: {index:08d}-7d50-4d6d-a3f1-9b4f5322f47c\tDuration: 14.97 ms\t"
        "Billed Duration: 15 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB\t\n"
    )
    return [
        {"field": "@timestamp", "value": stamp},
        {"field": "@message", "value": message},
        {"field": "@logStream", "value": STREAM},
        {"field": "@ptr", "value": f"CnAKMwovMzQ3MTI5MzM4MjQ4{index:08d}"},
    ]


def expect_query(stubber: Stubber, query_id: str, first_s: int, last_s: int, rows: list, running: bool = False) -> None:
    stubber.add_response(
        "start_query",
        {"queryId": query_id},
        {
            "logGroupName": LOG_GROUP,
            "startTime": first_s,
            "endTime": last_s,
            "queryString": INSIGHTS_QUERY.format(limit=INSIGHTS_ROW_LIMIT),
            "limit": INSIGHTS_ROW_LIMIT,
        },
    )
    if running:
        stubber.add_response("get_query_results", {"results": [], "statistics": STATS, "status": "Running"}, {"queryId": query_id})
    stubber.add_response("get_query_results", {"results": rows, "statistics": STATS, "status": "Complete"}, {"queryId": query_id})


@pytest.fixture
def logs():
    return boto3.client("logs", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_window_at_the_row_limit_is_split_in_two_and_each_half_queried(logs) -> None:
    # 100 s window; the first query hits 10,000 rows, so [0, 49] and [50, 99] are queried.
    first_half = [row(i, i * 4) for i in range(6000)]  # 0 .. 23.996 s
    second_half = [row(6000 + i, 50_000 + i * 4) for i in range(4000)]  # 50 .. 65.996 s
    with Stubber(logs) as stubber:
        expect_query(stubber, "q-all", T0_S, T0_S + 99, (first_half + second_half)[:INSIGHTS_ROW_LIMIT], running=True)
        expect_query(stubber, "q-1", T0_S, T0_S + 49, first_half)
        expect_query(stubber, "q-2", T0_S + 50, T0_S + 99, second_half)
        progress: list[tuple[int, int]] = []
        events = list(
            insights_events(logs, LOG_GROUP, T0_S * 1000, (T0_S + 100) * 1000, poll_s=0, progress=lambda n, t: progress.append((n, t)))
        )
        stubber.assert_no_pending_responses()
    assert len(events) == 10_000
    assert events[0].timestamp_ms == T0_S * 1000 and events[0].log_stream == STREAM
    assert events[-1].timestamp_ms == T0_S * 1000 + 50_000 + 3999 * 4
    assert events[1].message.startswith("REPORT RequestId: 00000001-7d50")
    assert progress == [(6000, (T0_S + 50) * 1000), (10_000, (T0_S + 100) * 1000)]


def test_rows_outside_the_requested_milliseconds_are_dropped(logs) -> None:
    # Insights works in whole seconds: asking for [0.5 s, 2.5 s) queries seconds 0..2.
    rows = [row(0, 100), row(1, 600), row(2, 2400), row(3, 2700)]
    with Stubber(logs) as stubber:
        expect_query(stubber, "q", T0_S, T0_S + 2, rows)
        events = list(insights_events(logs, LOG_GROUP, T0_S * 1000 + 500, T0_S * 1000 + 2500, poll_s=0))
    assert [e.timestamp_ms - T0_S * 1000 for e in events] == [600, 2400]


def test_one_second_over_the_limit_says_to_use_filter_log_events(logs) -> None:
    full = [row(i, 0) for i in range(INSIGHTS_ROW_LIMIT)]
    with Stubber(logs) as stubber:
        expect_query(stubber, "q", T0_S, T0_S, full)
        with pytest.raises(RemoteError, match="more than 10,000 REPORT events in the one second.*without --insights"):
            list(insights_events(logs, LOG_GROUP, T0_S * 1000, T0_S * 1000 + 1000, poll_s=0))


def test_a_failed_query_is_a_remote_error(logs) -> None:
    with Stubber(logs) as stubber:
        stubber.add_response("start_query", {"queryId": "q"})
        stubber.add_response("get_query_results", {"results": [], "statistics": STATS, "status": "Failed"})
        with pytest.raises(RemoteError, match="Logs Insights query q on /aws/lambda/captioner ended Failed"):
            list(insights_events(logs, LOG_GROUP, T0_S * 1000, T0_S * 1000 + 1000, poll_s=0))


def test_access_denied_names_the_permissions_to_grant(logs) -> None:
    with Stubber(logs) as stubber:
        stubber.add_client_error("start_query", "AccessDeniedException", "User is not authorized to perform: logs:StartQuery")
        with pytest.raises(RemoteError, match="access denied to log group.*Grant lambda:GetFunctionConfiguration, logs:FilterLogEvents"):
            list(insights_events(logs, LOG_GROUP, T0_S * 1000, T0_S * 1000 + 1000, poll_s=0))


def test_logging_config_log_group_and_json_format_are_used() -> None:
    # moto does not return LoggingConfig; the Stubber answers with the real response shape.
    lam = boto3.client("lambda", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    response = {
        "FunctionName": "captioner",
        "Runtime": "python3.12",
        "MemorySize": 3008,
        "PackageType": "Image",
        "Architectures": ["x86_64"],
        "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO", "LogGroup": "/shared/ml-logs"},
    }
    with Stubber(lam) as stubber:
        stubber.add_response("get_function_configuration", response, {"FunctionName": "captioner"})
        config = function_config(lam, "captioner")
    assert (config.log_group, config.log_format, config.package_type, config.memory_mb) == ("/shared/ml-logs", "JSON", "Image", 3008)
    assert (config.architecture, config.runtime, config.region) == ("x86_64", "python3.12", "eu-west-1")
