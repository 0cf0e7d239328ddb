"""Fetching from a real moto server: configuration, pagination, a throttle survived, AWS errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from advisor.cloudwatch import clients, filter_events, function_config
from advisor.errors import NotFoundError, RemoteError

from .conftest import FUNCTION, LOG_GROUP, REGION, PutEvent, create_function, put_events, sample_report_texts

PAGE = 7


def report_events(shared_data: Path, start_ms: int) -> list[PutEvent]:
    """Each text REPORT sample as one event, with START/END and an app line around it, 3 streams."""
    events = []
    for index, (sample_id, text) in enumerate(sample_report_texts(shared_data)):
        stream = f"2026/11/23/[$LATEST]{index % 3:032x}"
        t = start_ms + index * 1000
        events += [
            PutEvent(t, f"START RequestId: {sample_id} Version: $LATEST\n", stream),
            PutEvent(t + 1, f"[INFO] captioned image {sample_id}\n", stream),
            PutEvent(t + 2, f"END RequestId: {sample_id}\n", stream),
            PutEvent(t + 3, text, stream),
        ]
    return events


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: object):
        yield self.body


def throttle_once(calls: list[str]):
    """A before-send hook answering the first FilterLogEvents with a real ThrottlingException shape."""

    def handler(request, **_: object):
        calls.append("send")
        if len(calls) > 1:
            return None
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        headers = {"x-amzn-RequestId": "throttled-1", "Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, 400, headers, _Raw(body))

    return handler


def test_function_configuration_is_read_from_lambda(aws: str) -> None:
    create_function(aws, memory_mb=1536, architecture="arm64")
    lam, _ = clients(REGION, None, aws)
    config = function_config(lam, FUNCTION)
    assert (config.name, config.memory_mb, config.architecture, config.runtime) == (FUNCTION, 1536, "arm64", "python3.12")
    assert (config.package_type, config.log_group, config.region) == ("Zip", LOG_GROUP, REGION)


def test_all_report_events_come_back_across_many_pages_after_a_throttle(aws: str, shared_data: Path) -> None:
    start_ms = int(time.time() * 1000) - 3_600_000
    put = report_events(shared_data, start_ms)
    put_events(aws, put)
    session = boto3.Session(region_name=REGION)
    sends: list[str] = []
    session.events.register("before-send.cloudwatch-logs.FilterLogEvents", throttle_once(sends))
    _, logs = clients(None, None, aws, session=session)
    pages: list[int] = []
    events = list(filter_events(logs, LOG_GROUP, start_ms, start_ms + 10**8, page_limit=PAGE, progress=lambda n, t: pages.append(n)))
    reports = {(e.timestamp_ms, e.message, e.log_stream) for e in events if "REPORT RequestId" in e.message}
    assert reports == {(e.timestamp_ms, e.message, e.stream) for e in put if "REPORT RequestId" in e.message}
    assert len(reports) == len(sample_report_texts(shared_data)) == 59
    assert len(pages) >= len(events) // PAGE  # many pages, progress after each
    assert len(sends) == len(pages) + 1  # the throttled call was retried by botocore


def test_events_outside_the_window_are_not_fetched(aws: str, shared_data: Path) -> None:
    start_ms = int(time.time() * 1000) - 3_600_000
    put_events(aws, report_events(shared_data, start_ms))
    _, logs = clients(REGION, None, aws)
    events = list(filter_events(logs, LOG_GROUP, start_ms + 10_000, start_ms + 20_000))
    assert sorted(e.timestamp_ms for e in events if "REPORT" in e.message) == [start_ms + i * 1000 + 3 for i in range(10, 20)]


def test_unknown_function_is_not_found_with_a_fix_it_hint(aws: str) -> None:
    lam, _ = clients(REGION, None, aws)
    with pytest.raises(NotFoundError, match=r"function 'nope' was not found in AWS.*Check the name and --region"):
        function_config(lam, "nope")


def test_missing_log_group_is_not_found(aws: str) -> None:
    _, logs = clients(REGION, None, aws)
    with pytest.raises(NotFoundError, match="log group '/aws/lambda/ghost' was not found"):
        list(filter_events(logs, "/aws/lambda/ghost", 0, 1000))


def test_no_credentials_is_a_remote_error_saying_how_to_configure(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    lam, _ = clients(REGION, None, aws)
    with pytest.raises(RemoteError, match="no AWS credentials found.*aws configure"):
        function_config(lam, FUNCTION)


def test_unknown_profile_is_a_remote_error(aws: str) -> None:
    with pytest.raises(RemoteError, match="cannot set up AWS access.*--profile"):
        clients(REGION, "no-such-profile", aws)
