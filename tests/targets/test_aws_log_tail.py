"""The AWS target reads an invocation's REPORT from ``LogResult`` with the import's parser:
real tails (text and JSON log format), and tails cut anywhere before the REPORT."""

from __future__ import annotations

import base64
import functools
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.record import STATUS_SUCCESS
from advisor.targets._base import RECORD_FIELDS
from advisor.targets.aws import report_from_tail

from ..conftest import SHARED_DATA

END_MS = 1_765_000_000_000
REQUEST_ID = re.compile(r'(?:REPORT RequestId: |"requestId":")([0-9a-f-]{36})')


@functools.cache
def _tails() -> dict[str, str]:
    path = SHARED_DATA / "lambda-logs" / "samples.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return {row["id"]: row["text"] for row in rows if row["variant"].startswith("invoke-logresult")}


def _samples(shared_data) -> dict[str, str]:
    return _tails()


@pytest.mark.parametrize(("sample", "duration_ms", "init_ms", "memory_mb"), [
    ("S179", 469.40, 100.99, 1024),   # text, cold
    ("S180", 469.40, None, 1024),     # text, SnapStart restore
    ("S181", 1.317, 10.0, 1024),      # JSON log format (platform.report)
    ("S182", 147.156, None, 512),     # JSON, SnapStart restore
    ("S183", 1.317, 20.0, 1024),      # JSON with an extension's text line glued in front of one
    ("S185", 1.0, None, 128),         # text, an old runtime's spacing
])
def test_the_report_of_a_real_log_tail_becomes_the_invocation_record(
    shared_data, sample, duration_ms, init_ms, memory_mb
):
    text = _samples(shared_data)[sample]
    request_id = REQUEST_ID.findall(text)[-1]
    record = report_from_tail(text, function="fn", request_id=request_id, end_ms=END_MS)
    assert record is not None and tuple(record) == RECORD_FIELDS
    assert record["request_id"] == request_id and record["status"] == STATUS_SUCCESS
    assert record["duration_ms"] == pytest.approx(duration_ms)
    assert record["init_ms"] == (None if init_ms is None else pytest.approx(init_ms))
    assert record["memory_mb"] == memory_mb
    assert record["function"] == "fn" and record["end_time"].timestamp() * 1000 == pytest.approx(END_MS)


def test_the_base64_log_result_decodes_to_its_report(shared_data):
    text = base64.b64decode(_samples(shared_data)["S184"]).decode()
    record = report_from_tail(text, function="fn", request_id="479fb51c-1e38-11e7-99ca-67bf163608ed", end_ms=END_MS)
    assert record is not None and record["duration_ms"] == 1.0 and record["max_memory_used_mb"] == 15


def test_a_tail_of_one_report_is_that_invocations_even_under_another_id_and_of_none_gives_none(shared_data):
    samples = _samples(shared_data)
    one = report_from_tail(samples["S179"], function="fn", request_id="http-request-id", end_ms=END_MS)
    assert one is not None and one["request_id"] == "55bc566d-1e2c-11e7-93e6-6705ceb4c1cc"
    two = samples["S179"] + "\n" + samples["S185"]
    assert report_from_tail(two, function="fn", request_id="http-request-id", end_ms=END_MS) is None
    picked = report_from_tail(two, function="fn", request_id="479fb51c-1e38-11e7-99ca-67bf163608ed", end_ms=END_MS)
    assert picked is not None and picked["duration_ms"] == 1.0
    assert report_from_tail("START RequestId: x Version: 1\n", function="fn", request_id="x", end_ms=END_MS) is None


@settings(max_examples=60)  # each example parses twice; the cut points are few per sample
@given(cut=st.integers(min_value=0, max_value=10_000), sample=st.sampled_from(["S179", "S181", "S183", "S185"]))
def test_a_tail_cut_anywhere_before_the_report_gives_the_same_record(cut, sample):
    text = _tails()[sample]
    report_at = max(text.rfind("\nREPORT"), text.rfind('\n{"time"'))
    request_id = REQUEST_ID.findall(text)[-1]
    whole = report_from_tail(text, function="fn", request_id=request_id, end_ms=END_MS)
    cut_tail = text[min(cut, report_at):]  # LogResult is the last 4 KB: its first line may be cut
    assert report_from_tail(cut_tail, function="fn", request_id=request_id, end_ms=END_MS) == whole
