"""A real moto server on 127.0.0.1 with a Lambda function and its log group (AWS is never called)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest

REGION = "us-east-1"
FUNCTION = "captioner"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
#: Sample variants that are text REPORT events as CloudWatch stores them.
TEXT_REPORT_PREFIX = "text-report-"
#: Samples that are halves of a doc page's wrapped line, not whole log events.
NOT_EVENTS = {"text-report-doc-wrapped"}
REQUEST_ID = re.compile(r"RequestId: (\S+)")


@pytest.fixture
def aws(moto_url: str, fake_aws_credentials: None) -> Iterator[str]:
    """Fake credentials only, a reset moto backend; yields the endpoint URL."""
    urlopen(Request(f"{moto_url}/moto-api/reset", method="POST")).read()
    yield moto_url


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def create_function(endpoint: str, *, memory_mb: int = 1536, architecture: str = "arm64") -> None:
    iam = client(endpoint, "iam")
    role = iam.create_role(
        RoleName="lambda-role",
        AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        ),
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return {'caption': 'a cat'}\n")
    client(endpoint, "lambda").create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
        MemorySize=memory_mb,
        Architectures=[architecture],
    )


@dataclass(frozen=True)
class PutEvent:
    timestamp_ms: int
    message: str
    stream: str


def sample_report_texts(shared_data: Path) -> list[tuple[str, str]]:
    """(id, text) of every text REPORT sample that is one whole log event, one per request id.

    The samples copy some documented REPORT lines several times with the same request id;
    a real log group never repeats one, so only the first copy of each is kept.
    """
    rows = [json.loads(line) for line in (shared_data / "lambda-logs" / "samples.jsonl").read_text().splitlines()]
    seen: set[str] = set()
    out = []
    for row in rows:
        if not row["variant"].startswith(TEXT_REPORT_PREFIX) or row["variant"] in NOT_EVENTS:
            continue
        request_id = REQUEST_ID.search(row["text"]).group(1)
        if request_id not in seen:
            seen.add(request_id)
            out.append((row["id"], row["text"]))
    return out


def put_events(endpoint: str, events: list[PutEvent]) -> None:
    """Create the log group and streams, then put ``events`` (chronological per stream)."""
    logs = client(endpoint, "logs")
    try:
        logs.create_log_group(logGroupName=LOG_GROUP)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    by_stream: dict[str, list[PutEvent]] = {}
    for event in events:
        by_stream.setdefault(event.stream, []).append(event)
    existing = {s["logStreamName"] for s in logs.describe_log_streams(logGroupName=LOG_GROUP).get("logStreams", [])}
    for stream, items in by_stream.items():
        if stream not in existing:
            logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        logs.put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": e.timestamp_ms, "message": e.message} for e in sorted(items, key=lambda e: e.timestamp_ms)],
        )
