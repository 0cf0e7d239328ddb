"""``advisor replay``: inputs, options, JSON, rendered reports and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.pricing import PriceCatalog
from advisor.record import conform
from advisor.simulate import ReplayConfig, replay
from advisor.simulate.inputs import read_trace_file
from advisor.workspace import Workspace

SUMMARY_KEYS = {"requests", "cold_starts", "cold_fraction", "throttled", "latency_ms", "instances",
                "instance_seconds", "cost_usd", "cost_note", "sim_wall_seconds", "notes"}
CATALOG = PriceCatalog.bundled()
AZURE_2021 = "traces/azure-functions-2021-sample/Azure2021_200.csv"


def _mask_timing(text: str) -> str:
    return re.sub(r"simulated in [0-9.]+ s", "simulated in X s", text)


def test_json_summary_of_a_trace_file(cli, shared_data: Path) -> None:
    out = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", "--init-ms", "300", "--keep-alive", "10m", "--json")
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert set(summary) == SUMMARY_KEYS
    assert set(summary["latency_ms"]) == {"p50", "p90", "p95", "p99", "p999", "max"}
    assert set(summary["instances"]) == {"max", "mean"}
    assert set(summary["instance_seconds"]) == {"busy", "idle", "provisioned"}
    assert summary["requests"] == 199
    assert summary["cold_starts"] == 23
    assert summary["throttled"] == 0
    assert summary["instances"]["max"] == 23
    assert summary["cost_usd"] is None  # a trace file says no memory size
    assert summary["cost_note"] == "n/a: the memory size is unknown; give --memory"


def test_options_reach_the_engine(cli, shared_data: Path) -> None:
    args = ["--keep-alive", "90s", "--routing", "mru", "--provisioned", "2", "--max-concurrency", "5",
            "--init-ms", "300", "--memory", "512", "--json"]
    out = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", *args)
    trace = read_trace_file(shared_data / AZURE_2021, together=True)
    config = ReplayConfig(keep_alive_s=90, routing="mru", provisioned=2, max_concurrency=5, memory_mb=512)
    expected = replay(trace.arrivals_s, trace.service_ms, config, init_ms=300.0, catalog=CATALOG).summary()
    got = json.loads(out.stdout)
    assert got | {"sim_wall_seconds": 0, "notes": []} == expected | {"sim_wall_seconds": 0, "notes": []}
    assert got["throttled"] > 0 and float(got["cost_usd"]["total_usd"]) > 0


def test_rendered_summary(cli, shared_data: Path, golden) -> None:
    out = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", "--init-ms", "300")
    assert out.exit_code == 0, out.stderr
    golden("replay_summary.txt", _mask_timing(out.stdout))


def test_compare_runs_every_configuration_over_one_trace(cli, shared_data: Path, golden) -> None:
    args = ["--init-ms", "300", "--memory", "1024", "--compare", "keep-alive=1m,label=short",
            "--compare", "provisioned-schedule=00:00-00:10=3+else=1,routing=mru", "--compare", "max-concurrency=3,queue=yes"]
    out = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", *args)
    assert out.exit_code == 0, out.stderr
    golden("replay_compare.txt", out.stdout)
    runs = json.loads(cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", *args, "--json").stdout)["runs"]
    assert [r["label"] for r in runs] == ["base", "short", "", ""]
    assert [r["summary"]["cold_starts"] for r in runs][:2] == [23, 63]
    assert runs[3]["summary"]["instances"]["max"] == 3 and runs[3]["summary"]["throttled"] == 0
    # queued requests are billed from when they get an instance, never for the wait
    assert float(runs[3]["summary"]["cost_usd"]["compute_usd"]) <= float(runs[0]["summary"]["cost_usd"]["compute_usd"])


def test_per_minute_counts_are_spread_with_the_seed(cli, shared_data: Path) -> None:
    path = shared_data / "traces/azure-functions-2019-sample/100_inv.csv"
    first = json.loads(cli("replay", "074d7db5790c", "--trace", path, "--seed", "5", "--json").stdout)
    again = json.loads(cli("replay", "074d7db5790c", "--trace", path, "--seed", "5", "--json").stdout)
    other = json.loads(cli("replay", "074d7db5790c", "--trace", path, "--seed", "6", "--json").stdout)
    assert first["requests"] == 2031
    assert first | {"sim_wall_seconds": 0} == again | {"sim_wall_seconds": 0}
    assert first["latency_ms"] != other["latency_ms"]


def _records(function: str, starts_s: list[float], init: list[float | None], streams: list[str],
             memory: list[int]) -> pd.DataFrame:
    start = pd.to_datetime(np.array(starts_s) * 1e9 + 1.7e18, utc=True)
    duration = np.full(len(starts_s), 200.0)
    init_ms = pd.Series(init, dtype="float64")
    end = start + pd.to_timedelta(duration + init_ms.fillna(0).to_numpy(), unit="ms")
    return conform(pd.DataFrame({
        "function": function, "request_id": [f"r{i}" for i in range(len(starts_s))], "start_time": start,
        "end_time": end, "duration_ms": duration, "billed_duration_ms": 200, "memory_mb": memory,
        "max_memory_used_mb": 90, "init_ms": init_ms, "status": "success", "log_stream": streams,
    }))


@pytest.fixture
def imported(workspace: Path) -> str:
    # two environments: A serves 0-300 s (gaps of 100 s survived), B starts cold at 2000 s
    starts = [0.0, 100.0, 200.0, 300.0, 2000.0, 2100.0]
    frame = _records("fn", starts, [500.0, None, None, None, 500.0, None], ["A", "A", "A", "A", "B", "B"],
                     [1024] * 6)
    with Workspace.open(workspace) as ws:
        ws.upsert_function("fn", memory_mb=1024)
        ws.import_records(frame, source="test", format="test", lines=6, parsed=6, ignored=0, rejected=0)
    return "fn"


def test_workspace_function_replays_its_records(cli, imported: str) -> None:
    out = cli("replay", imported, "--keep-alive", "10m", "--json")
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["requests"] == 6
    assert summary["cold_starts"] == 2  # the 1,700 s gap outlives a 10-minute keep-alive
    assert summary["latency_ms"]["max"] == pytest.approx(700.0)  # init drawn from the observed 500 ms
    assert float(summary["cost_usd"]["total_usd"]) > 0  # the function's memory size prices it


def test_calibration_reports_the_fit(cli, imported: str) -> None:
    out = cli("replay", imported, "--calibrate", "--json")
    assert out.exit_code == 0, out.stderr
    fit = json.loads(out.stdout)
    assert fit["observed_cold_starts"] == 2
    assert fit["best"]["simulated_cold_starts"] == 2 and fit["best"]["within_interval"]
    assert fit["log_streams"]["min_keep_alive_s"] == pytest.approx(99.8)
    assert 120 <= fit["best"]["keep_alive_s"] < 1700
    assert cli("replay", imported, "--calibrate").exit_code == 0


def test_memory_of_a_single_size_function_is_refused(cli, imported: str) -> None:
    out = cli("replay", imported, "--memory", "2048")
    assert out.exit_code == 2
    assert "--memory 2048" in out.stderr and "1024 MB only" in out.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--keep-alive", "5x"], "'5x'"),
        (["--routing", "fastest"], "'fastest'"),
        (["--provisioned-schedule", "8-20=5"], "'8-20=5'"),
        (["--compare", "speed=9"], "'speed'"),
        (["--compare", "provisioned"], "'provisioned'"),
        (["--per-instance-concurrency", "0"], "--per-instance-concurrency 0 is outside"),
    ],
)
def test_bad_values_exit_2_naming_them(cli, shared_data: Path, args: list[str], named: str) -> None:
    out = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", *args)
    assert out.exit_code == 2
    assert named in out.stderr and "Traceback" not in out.stderr


def test_nothing_to_replay_and_missing_files(cli, tmp_path: Path) -> None:
    assert cli("replay").exit_code == 2
    missing = cli("replay", "--trace", tmp_path / "nope.csv")
    assert missing.exit_code == 4 and "nope.csv" in missing.stderr


def test_bad_trace_rows_name_the_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("timestamp,duration_ms\n2024-01-01T00:00:00Z,10\n2024-01-01T00:00:01Z,-3\n")
    out = cli("replay", "--trace", path)
    assert out.exit_code == 3 and "t.csv:3" in out.stderr and "-3" in out.stderr
    path.write_text("timestamp,duration_ms\nyesterday,10\n")
    out = cli("replay", "--trace", path)
    assert out.exit_code == 3 and "t.csv:2" in out.stderr and "'yesterday'" in out.stderr


def test_memory_rescales_durations_with_the_fitted_duration_model(cli, workspace: Path) -> None:
    rng = np.random.default_rng(2)
    memories = [512] * 40 + [1024] * 40 + [2048] * 40
    starts = np.sort(rng.uniform(0, 3000, len(memories)))
    frame = _records("multi", starts.tolist(), [None] * len(memories), ["S"] * len(memories), memories)
    base = {512: 800.0, 1024: 400.0, 2048: 210.0}
    frame["duration_ms"] = [base[m] * f for m, f in zip(memories, rng.uniform(0.95, 1.05, len(memories)))]
    with Workspace.open(workspace) as ws:
        ws.import_records(frame, source="test", format="test", lines=120, parsed=120, ignored=0, rejected=0)
    as_is = json.loads(cli("replay", "multi", "--init-ms", "0", "--json").stdout)
    fast = json.loads(cli("replay", "multi", "--init-ms", "0", "--memory", "2048", "--json").stdout)
    slow = json.loads(cli("replay", "multi", "--init-ms", "0", "--memory", "512", "--json").stdout)
    assert slow["latency_ms"]["p50"] > as_is["latency_ms"]["p50"] > fast["latency_ms"]["p50"]
    assert fast["latency_ms"]["max"] < 2 * 210 * 1.05  # every request moved near its 2048 MB time
    assert slow["latency_ms"]["p50"] == pytest.approx(800, rel=0.15)


def test_compare_table_fits_80_columns_without_cutting_a_figure(cli, shared_data: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", "--init-ms", "300", "--memory", "1024",
              "--compare", "keep-alive=1m,label=short", "--compare", "provisioned=2")
    assert out.exit_code == 0, out.stderr
    assert "…" not in out.stdout
    assert "$0.1768" in out.stdout and "$0.1770" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80


def test_replay_says_when_cold_starts_add_no_init_time(cli, shared_data: Path) -> None:
    unknown = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", "--json")
    assert unknown.exit_code == 0, unknown.stderr
    document = json.loads(unknown.stdout)
    assert any("no cold-start init time is known" in note for note in document["notes"])
    assert document["cold_starts"] == 23
    on_screen = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions")
    assert "no cold-start init time is known" in on_screen.stderr
    given = cli("replay", "--trace", shared_data / AZURE_2021, "--all-functions", "--init-ms", "300", "--json")
    assert given.exit_code == 0 and given.stderr == "" and json.loads(given.stdout)["notes"] == []
