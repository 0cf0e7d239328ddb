"""REPORT lines in Lambda's exact text format, checked against real Lambda samples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.targets.lambda_log import report_line
from advisor.targets.local import billed_ms

#: Python 3.12 managed-runtime REPORT lines (2025-2026: init billed) from the shared samples.
SAMPLES = ("S122", "S125", "S126", "S128", "S129", "S130", "S131")
FIELD = re.compile(r"([A-Za-z ]+): ([^\t]+?)(?: ms| MB)?$")


def _sample_report(shared_data: Path, sample_id: str) -> str:
    for line in (shared_data / "lambda-logs" / "samples.jsonl").read_text().splitlines():
        sample = json.loads(line)
        if sample["id"] == sample_id:
            return sample["text"].split("\n")[0]  # the XRAY continuation is not ours
    raise AssertionError(f"sample {sample_id} missing")


def _fields(report: str) -> dict[str, str]:
    body = report.removeprefix("REPORT ").rstrip("\t")
    return dict(FIELD.match(part).groups() for part in body.split("\t"))


@pytest.mark.parametrize("sample_id", SAMPLES)
def test_report_lines_are_byte_identical_to_real_python_runtime_lines(shared_data, sample_id):
    real = _sample_report(shared_data, sample_id)
    fields = _fields(real)
    init = float(fields["Init Duration"]) if "Init Duration" in fields else None
    record = {
        "request_id": fields["RequestId"],
        "duration_ms": float(fields["Duration"]),
        "billed_duration_ms": billed_ms(float(fields["Duration"]), init),
        "memory_mb": int(fields["Memory Size"]),
        "max_memory_used_mb": int(fields["Max Memory Used"]),
        "init_ms": init,
        "status": fields.get("Status", "success"),
        "error_type": fields.get("Error Type"),
    }

    assert report_line(record) == real


@pytest.mark.parametrize(("duration", "init", "billed"), [
    (2.46, 413.61, 417),        # S122: cold, init billed
    (3.86, None, 4),            # S128: warm
    (600000.0, 516.31, 600517),  # S130: timeout on a cold start
    (1.1, 2.9, 4),              # exactly 4.00: no spurious round-up from binary floats
    (0.0, None, 0),
])
def test_billed_duration_is_the_ceiling_of_duration_plus_init(duration, init, billed):
    assert billed_ms(duration, init) == billed


@given(st.integers(0, 10**8), st.one_of(st.none(), st.integers(0, 10**7)))
def test_billed_duration_is_the_least_whole_ms_covering_the_logged_values(duration_cs, init_cs):
    duration, init = duration_cs / 100, None if init_cs is None else init_cs / 100
    billed = billed_ms(duration, init)
    total_cs = duration_cs + (init_cs or 0)
    assert billed * 100 >= total_cs > (billed - 1) * 100 or (total_cs == 0 and billed == 0)


LOG_LINE = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32} "
                      r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000 (.*)$")


def test_invocations_append_start_end_and_report_events_to_the_log(local_target, tmp_path):
    log = tmp_path / "logs" / "echo.log"
    target = local_target("echo", log_path=log, memory_mb=1024)
    cold, warm = target.invoke({}), target.invoke({})
    messages = [LOG_LINE.match(line).group(1) for line in log.read_text().splitlines()]

    starts = [m for m in messages if m.startswith("START RequestId: ")]
    reports = [m for m in messages if m.startswith("REPORT RequestId: ")]
    assert messages[0].startswith("INIT_START Runtime Version: ")
    assert starts == [f"START RequestId: {r['request_id']} Version: $LATEST" for r in (cold, warm)]
    assert f"END RequestId: {warm['request_id']}" in messages
    assert reports == [report_line(cold), report_line(warm)]
    assert re.fullmatch(r"REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
                        r"Memory Size: 1024 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t",
                        reports[0])
    assert all(line.split(" ")[0] == cold["log_stream"] for line in log.read_text().splitlines())
