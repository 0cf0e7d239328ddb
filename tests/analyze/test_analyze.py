"""analyze() on seven known invocations whose figures are worked out by hand below."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from advisor.analyze import analyze
from advisor.errors import NotFoundError
from advisor.pricing import PriceCatalog
from advisor.record import conform
from advisor.workspace import Workspace

CATALOG = PriceCatalog.bundled()

T0 = pd.Timestamp("2026-11-20T10:00:00Z")
# (request_id, log stream, start s after T0, init ms, duration ms, status, error type, max used MB)
ROWS = [
    ("r1", "A", 0.0, 500.0, 100.0, "success", None, 100),
    ("r2", "A", 1.0, None, 200.0, "success", None, 110),
    ("r3", "B", 1.1, 400.0, 300.0, "success", None, 120),
    ("r4", "A", 2.0, None, 100.0, "success", None, 130),
    ("r5", "B", 2.1, None, 50.0, "success", None, 140),
    ("r6", "A", 3600.0, None, 1000.0, "timeout", None, 150),
    ("r7", "B", 3600.5, None, 400.0, "error", "Runtime.ExitError", 160),
]


def known_records(function: str = "f") -> pd.DataFrame:
    start = T0 + pd.to_timedelta([r[2] for r in ROWS], unit="s")
    init = pd.Series([r[3] for r in ROWS], dtype="float64")
    duration = pd.Series([r[4] for r in ROWS], dtype="float64")
    end = start + pd.to_timedelta(duration.to_numpy() + init.fillna(0).to_numpy(), unit="ms")
    return conform(
        pd.DataFrame(
            {
                "function": function,
                "request_id": [r[0] for r in ROWS],
                "start_time": start,
                "end_time": end,
                "duration_ms": duration,
                "billed_duration_ms": duration.astype("int64"),
                "memory_mb": 1024,
                "max_memory_used_mb": [r[7] for r in ROWS],
                "init_ms": init,
                "status": [r[5] for r in ROWS],
                "error_type": [r[6] for r in ROWS],
                "log_stream": [r[1] for r in ROWS],
            }
        )
    )


def fill(path: Path) -> None:
    with Workspace.open(path) as ws:
        ws.upsert_function("f", memory_mb=1024, architecture="x86_64", region="us-east-1")
        ws.import_records(known_records(), source="t", format="test", lines=7, parsed=7, ignored=0, rejected=0)


SPAN_S = 3601.0  # first start 10:00:00.000, last end (r6) 11:00:01.000
RATE = Decimal("0.0000166667")  # us-east-1 x86_64 first tier, USD per GB-s
GB_S = Decimal(100 + 200 + 300 + 100 + 50 + 1000 + 400) / 1000  # billed ms x 1 GB
MONTH_SCALE = Decimal(730 * 3600) / Decimal(3601)


def _micro(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.000001")))


MONTH_COMPUTE = GB_S * MONTH_SCALE * RATE
MONTH_REQUESTS = 7 * MONTH_SCALE * Decimal("0.2") / 1_000_000

EXPECTED: dict[str, Any] = {
    "function": "f",
    "since": None,
    "until": None,
    "first_start": "2026-11-20T10:00:00Z",
    "last_end": "2026-11-20T11:00:01Z",
    "span_s": SPAN_S,
    "invocations": 7,
    # arrivals per calendar second: 10:00:00 one, :01 two, :02 two, 11:00:00 two; per minute 5 then 2
    "rates": {"mean_per_s": 7 / SPAN_S, "mean_per_min": 7 / SPAN_S * 60, "peak_per_s": 2, "peak_per_min": 5},
    "cold_starts": 2,
    "cold_fraction": 2 / 7,
    "duration_ms": {
        # all 50 100 100 200 300 400 1000 (positions 3, 5.4, 5.7, 5.94)
        "all": {"count": 7, "p50": 200.0, "p90": 640.0, "p95": 820.0, "p99": 964.0, "max": 1000.0},
        # warm 50 100 200 400 1000 (positions 2, 3.6, 3.8, 3.96)
        "warm": {"count": 5, "p50": 200.0, "p90": 760.0, "p95": 880.0, "p99": 976.0, "max": 1000.0},
        # cold 100 300
        "cold": {"count": 2, "p50": 200.0, "p90": 280.0, "p95": 290.0, "p99": 298.0, "max": 300.0},
    },
    # init + duration: 50 100 200 400 600 700 1000 (positions 3, 5.4, 5.7, 5.94)
    "latency_ms": {"count": 7, "p50": 400.0, "p90": 820.0, "p95": 910.0, "p99": 982.0, "max": 1000.0},
    "init_ms": {"count": 2, "p50": 450.0, "p90": 490.0, "p95": 495.0, "p99": 499.0, "max": 500.0},
    # max used 100..160: p99 at position 5.94 -> 159.4; headroom 1024 - 159.4
    "memory": [
        {
            "memory_mb": 1024,
            "invocations": 7,
            "max_used_p99_mb": 159.4,
            "max_used_max_mb": 160,
            "headroom_p99_mb": 864.6,
            "headroom_p99_fraction": 864.6 / 1024,
        }
    ],
    # in flight at each arrival, itself included: r1 1, r2 1 (r1 ended), r3 2 (r2 running), r4 1,
    # r5 1 (r4 ends exactly as r5 arrives), r6 1, r7 2 (r6 running): 1 1 1 1 1 2 2, p99 at 5.94 -> 2
    "concurrency_peak": 2,
    "concurrency_p99": 2.0,
    "timeouts": 1,
    "errors": 1,
    "failures": [
        {"status": "error", "error_type": "Runtime.ExitError", "count": 1},
        {"status": "timeout", "error_type": None, "count": 1},
    ],
    "instances": {
        "count": 2,
        # A: 1.0-0.6, 2.0-1.2, 3600-2.1; B: 2.1-1.8, 3600.5-2.15 -> 0.3 0.4 0.8 3597.9 3598.35
        "idle_gap_s": {"count": 5, "p50": 0.8, "p90": 3597.9 + 0.6 * 0.45, "p95": 3597.9 + 0.8 * 0.45,
                       "p99": 3597.9 + 0.96 * 0.45, "max": 3598.35},
        # period ends 3601: A last end 3601 -> 0, B last end 3600.9 -> 0.1
        "last_use_to_end_s": {"count": 2, "p50": 0.05, "p90": 0.09, "p95": 0.095, "p99": 0.099, "max": 0.1},
        # A 0 -> 3601, B 1.1 -> 3600.9
        "lifetime_s": {"count": 2, "p50": 3600.4, "p90": 3600.88, "p95": 3600.94, "p99": 3600.988, "max": 3601.0},
    },
    "arrivals_by_hour": [0] * 10 + [5, 2] + [0] * 12,
    "cost": {
        "region": "us-east-1",
        "architecture": "x86_64",
        "basis": "billed duration as logged",
        "period": {
            "compute_usd": str(GB_S * RATE),  # 2.15 GB-s x 0.0000166667
            "requests_usd": "0.0000014",  # 7 x $0.20 per million
            "provisioned_usd": "0.00",
            "total_usd": str(GB_S * RATE + Decimal("0.0000014")),
        },
        "per_month": {
            "compute_usd": _micro(MONTH_COMPUTE),
            "requests_usd": _micro(MONTH_REQUESTS),
            "provisioned_usd": "0.000000",
            "total_usd": _micro(MONTH_COMPUTE + MONTH_REQUESTS),
        },
    },
    "notes": [],
    "unknown": {},
}


def assert_matches(actual: Any, expected: Any, where: str = "$") -> None:
    """Equal structure and values; floats to 1e-9 relative (they come from interpolation)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), where
        for key in expected:
            assert_matches(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_matches(a, e, f"{where}[{index}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12), where
    else:
        assert actual == expected and type(actual) is type(expected), where


def test_analysis_of_known_records_matches_the_hand_worked_figures(tmp_path: Path) -> None:
    fill(tmp_path)
    with Workspace.open(tmp_path) as ws:
        result = analyze(ws, "f", catalog=CATALOG).to_dict()
    assert_matches(result, EXPECTED)
    assert result["cost"]["period"]["total_usd"] == "0.000037233405"


def test_json_output_of_the_command_is_the_same_document(cli, workspace: Path) -> None:
    fill(workspace)
    out = cli("analyze", "f", "--json")
    assert out.exit_code == 0, out.stderr
    assert_matches(json.loads(out.stdout), EXPECTED)


def test_window_selects_by_end_time(tmp_path: Path) -> None:
    fill(tmp_path)
    with Workspace.open(tmp_path) as ws:
        late = analyze(ws, "f", since=datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc), catalog=CATALOG)
        early = analyze(ws, "f", until=datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc), catalog=CATALOG)
    assert (late.invocations, late.timeouts, late.errors, late.cold_starts) == (2, 1, 1, 0)
    assert late.concurrency_peak == 2 and late.instances.count == 2
    assert (early.invocations, early.cold_starts, early.arrivals_by_hour[10]) == (5, 2, 5)
    assert early.latency_ms.max == 700.0


def test_records_without_a_memory_size_get_no_cost_and_a_note(tmp_path: Path) -> None:
    records = known_records("g")
    records["memory_mb"] = pd.array([None] * len(records), dtype="Int64")
    with Workspace.open(tmp_path) as ws:
        ws.import_records(records, source="t", format="test", lines=7, parsed=7, ignored=0, rejected=0)
        result = analyze(ws, "g", catalog=CATALOG)
    assert result.cost is None
    assert result.memory[0].memory_mb is None and result.memory[0].headroom_p99_mb is None
    assert result.notes[0] == "cost not computed: some records have no memory size and the function's is unknown"


def test_unknown_function_lists_known_ones(tmp_path: Path) -> None:
    fill(tmp_path)
    with Workspace.open(tmp_path) as ws, pytest.raises(NotFoundError, match="Known functions: f."):
        analyze(ws, "nope", catalog=CATALOG)


def test_empty_workspace_says_to_import_first(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws, pytest.raises(NotFoundError, match="is empty.*Import logs first"):
        analyze(ws, "f", catalog=CATALOG)


def test_window_without_invocations_names_the_stored_range(tmp_path: Path) -> None:
    fill(tmp_path)
    with Workspace.open(tmp_path) as ws, pytest.raises(
        NotFoundError, match=r"Stored: 7 invocations ending 2026-11-20T10:00:00.600000Z to 2026-11-20T11:00:01Z"
    ):
        analyze(ws, "f", since=datetime(2026, 11, 21, tzinfo=timezone.utc), catalog=CATALOG)


def test_one_record_without_start_or_stream_is_analyzed_without_rates_or_instances(tmp_path: Path) -> None:
    record = known_records("one").iloc[[1]].copy()
    record["start_time"] = pd.array([None], dtype="datetime64[ns, UTC]")
    record["log_stream"] = pd.array([None], dtype="string")
    record["billed_duration_ms"] = pd.array([None], dtype="Int64")
    with Workspace.open(tmp_path) as ws:
        ws.import_records(record, source="t", format="test", lines=1, parsed=1, ignored=0, rejected=0)
        result = analyze(ws, "one", catalog=CATALOG)
    doc = result.to_dict()
    json.dumps(doc, allow_nan=False)
    assert (result.invocations, result.span_s, result.rates.mean_per_s, result.rates.peak_per_s) == (1, 0.0, None, 1)
    assert (result.concurrency_peak, result.concurrency_p99) == (0, None)  # no start time: no interval
    # no log stream: the number of instances is unknown, not zero, and says why
    assert result.instances.count is None and result.instances.idle_gap_s.count == 0
    assert result.unknown == {"instances": "the records name no log streams (execution environments)"}
    assert doc["instances"]["count"] is None
    assert result.cost is not None and result.cost.per_month is None
    assert result.cost.basis == "billed duration as logged; estimated from duration (1 ms steps) for 1 records without it"
    assert result.cost.period["compute_usd"] == str(Decimal(200) / 1000 * RATE)  # 200 ms at 1 GB
