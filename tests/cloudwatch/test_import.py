"""advisor import cloudwatch against a real moto server: the real samples in, the same records out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pandas as pd

from advisor.cloudwatch import RESUME_OVERLAP_MS, import_cloudwatch, state_key
from advisor.logs import LogEvent, parse_events
from advisor.workspace import Workspace

from .conftest import FUNCTION, LOG_GROUP, REGION, PutEvent, create_function, put_events
from .test_fetch import report_events, throttle_once

PAGE = 25
COMPARED = ["request_id", "end_time", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_used_mb",
            "init_ms", "restore_ms", "billed_restore_ms", "status", "error_type", "log_stream"]


def expected_records(put: list[PutEvent]) -> pd.DataFrame:
    events = [LogEvent(e.timestamp_ms, e.message, e.stream) for e in sorted(put, key=lambda e: e.timestamp_ms)]
    return parse_events(events, function=FUNCTION, source="expected").records


def setup(aws: str, shared_data: Path) -> tuple[list[PutEvent], datetime]:
    create_function(aws, memory_mb=1536, architecture="arm64")
    now = datetime.now(timezone.utc)
    put = report_events(shared_data, int((now - timedelta(hours=2)).timestamp() * 1000))
    put_events(aws, put)
    return put, now


def test_import_stores_what_the_parser_makes_of_the_same_events_and_survives_a_throttle(
    aws: str, shared_data: Path, workspace: Path
) -> None:
    put, now = setup(aws, shared_data)
    expected = expected_records(put)
    session = boto3.Session(region_name=REGION)
    sends: list[str] = []
    session.events.register("before-send.cloudwatch-logs.FilterLogEvents", throttle_once(sends))
    with Workspace.open(workspace) as ws:
        result = import_cloudwatch(ws, FUNCTION, since=now - timedelta(days=1), until=now, endpoint_url=aws,
                                   page_limit=PAGE, session=session)
        stored = ws.invocations(FUNCTION)
        info = ws.function(FUNCTION)
    assert len(sends) >= len(put) // PAGE + 1  # many pages, plus the retried throttle
    assert result.events == len(put) and not result.resumed
    assert (info.memory_mb, info.architecture, info.runtime, info.log_group, info.region) == (1536, "arm64", "python3.12", LOG_GROUP, REGION)
    # 59 REPORT events: 55 records, 4 truncated samples rejected (named with their event number)
    assert result.summary.added == len(expected) == len(stored) == 55
    assert (result.summary.duplicates, result.summary.rejected, result.summary.lines) == (0, 4, len(put))
    assert [r.reason.split(":")[0] for r in result.rejected] == ["truncated or malformed 'Init Duration'"] * 4
    got = stored.set_index("request_id").loc[expected["request_id"]].reset_index()
    pd.testing.assert_frame_equal(got[COMPARED], expected[COMPARED].reset_index(drop=True))
    assert set(stored["architecture"]) == {"arm64"}


def test_a_second_run_fetches_only_the_overlap_and_adds_nothing(aws: str, shared_data: Path, workspace: Path) -> None:
    put, now = setup(aws, shared_data)
    with Workspace.open(workspace) as ws:
        first = import_cloudwatch(ws, FUNCTION, since=now - timedelta(days=1), until=now, endpoint_url=aws)
        later = now + timedelta(minutes=30)
        second = import_cloudwatch(ws, FUNCTION, since=now - timedelta(days=1), until=later, endpoint_url=aws)
        coverage = json.loads(ws.get_state(state_key(first.config)))
        assert len(ws.import_log()) == 2
    assert first.summary.added > 0
    assert second.resumed and second.start_ms == int(now.timestamp() * 1000) - RESUME_OVERLAP_MS
    assert (second.events, second.summary.added) == (0, 0)
    assert coverage == {"start_ms": first.start_ms, "end_ms": second.end_ms}


def test_events_in_the_overlap_are_fetched_again_and_dropped_as_duplicates(aws: str, shared_data: Path, workspace: Path) -> None:
    create_function(aws)
    now = datetime.now(timezone.utc)
    base = int(now.timestamp() * 1000) - 60_000  # one minute before the first run's end: inside the overlap
    texts = [t for t in report_events(shared_data, base) if "REPORT RequestId" in t.message][:3]
    put_events(aws, texts)
    with Workspace.open(workspace) as ws:
        first = import_cloudwatch(ws, FUNCTION, since=now - timedelta(hours=1), until=now, endpoint_url=aws)
        late = PutEvent(base + 10, "REPORT RequestId: late-0001\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 1536 MB\tMax Memory Used: 80 MB\t", texts[0].stream)
        put_events(aws, [late])  # ingested late, stamped before the first run's end
        second = import_cloudwatch(ws, FUNCTION, since=now - timedelta(hours=1), until=now + timedelta(minutes=1), endpoint_url=aws)
        ids = set(ws.invocations(FUNCTION)["request_id"])
    assert first.summary.added == 3
    assert (second.events, second.summary.added, second.summary.duplicates) == (4, 1, 3)
    assert "late-0001" in ids and len(ids) == 4


def test_cli_imports_and_reports_counts(aws: str, shared_data: Path, cli) -> None:
    setup(aws, shared_data)
    out = cli("import", "cloudwatch", FUNCTION, "--since", "1d", "--region", REGION, "--endpoint-url", aws, "--json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["function"]["memory_mb"] == 1536 and doc["import"]["added"] == 55
    again = cli("import", "cloudwatch", FUNCTION, "--since", "1d", "--region", REGION, "--endpoint-url", aws)
    assert again.exit_code == 0, again.stderr
    assert "0 invocations added" in " ".join(again.stdout.split())
    analysis = cli("analyze", FUNCTION, "--json")
    assert json.loads(analysis.stdout)["invocations"] == 55


def test_cli_unknown_function_exits_4_with_a_hint(aws: str, cli) -> None:
    out = cli("import", "cloudwatch", "ghost", "--since", "1d", "--region", REGION, "--endpoint-url", aws)
    assert out.exit_code == 4
    assert "function 'ghost' was not found in AWS" in " ".join(out.stderr.split())
