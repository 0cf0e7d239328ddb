"""``advisor model fit`` and ``advisor model predict`` on real Lambda measurements."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from advisor.models.evaluation import load_mbwilding
from advisor.record import conform
from advisor.workspace import Workspace

CSV = "lambda-measurements/mbwilding-s3-benchmark/lambda_benchmark_results.csv"
PREDICT_KEYS = {"memory_mb", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "interval_ms",
                "memory_load", "gb_s", "cost_usd", "fails", "init_ms"}


@pytest.fixture
def measurements(shared_data: Path, tmp_path: Path) -> Path:
    """python311/arm64 of the S3 benchmark at 256, 1024 and 2048 MB as a measurement CSV."""
    samples = load_mbwilding(shared_data / CSV)
    chosen = samples[(samples.runtime == "python311") & (samples.arch == "arm64")
                     & samples.memory_mb.isin([256, 1024, 2048])]
    path = tmp_path / "python311.csv"
    chosen[["memory_mb", "duration_ms", "init_ms"]].to_csv(path, index=False)
    return path


def test_predict_json_has_the_model_its_cv_error_and_one_row_per_size(cli, measurements) -> None:
    result = cli("model", "predict", "--data", measurements, "--memory", "128,512,1769,3008", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["model"] == "knee"  # the default: the knee form averaged over its knee
    assert 0 < doc["cv_error"] < 20
    assert [p["memory_mb"] for p in doc["predictions"]] == [128, 512, 1769, 3008]
    for row in doc["predictions"]:
        assert set(row) == PREDICT_KEYS
        low, high = row["interval_ms"]
        assert low < row["p50_ms"] < row["p90_ms"] < row["p95_ms"] < row["p99_ms"]
        assert low < row["mean_ms"] < high
        # One distribution: the 90% interval ends at its 95th percentile.
        assert high == row["p95_ms"]
        assert 150 < row["init_ms"] < 350  # measured init durations are 230-260 ms


def test_predicted_means_at_unmeasured_sizes_are_close_to_the_measured_ones(cli, measurements, shared_data) -> None:
    doc = json.loads(cli("model", "predict", "--data", measurements, "--memory", "512,1536", "--json").stdout)
    samples = load_mbwilding(shared_data / CSV)
    real = samples[(samples.runtime == "python311") & (samples.arch == "arm64")]
    observed = real.groupby("memory_mb")["duration_ms"].mean()
    for row in doc["predictions"]:
        assert row["mean_ms"] == pytest.approx(observed[row["memory_mb"]], rel=0.1)


@pytest.mark.parametrize(("value", "named"), [
    ("64", "--memory 64 is outside Lambda's memory size 128-10,240 MB"),
    ("20000", "--memory 20,000 is outside Lambda's memory size 128-10,240 MB"),
    ("512.5", "--memory 512.5 is not a whole number"),
    ("big", "--memory value 'big' is not a number of MB"),
    ("", "--memory value '' is not a number of MB"),
])
def test_bad_memory_values_are_usage_errors_naming_the_value(cli, measurements, value, named) -> None:
    result = cli("model", "predict", "--data", measurements, "--memory", f"128,{value}")
    assert result.exit_code == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_fit_json_gives_the_averaged_form_with_its_cv_error(cli, measurements) -> None:
    doc = json.loads(cli("model", "fit", "--data", measurements, "--json").stdout)
    assert [row["form"] for row in doc["cv"]] == ["knee"]
    assert doc["cv_error"] == doc["cv"][0]["cv_mape"]
    assert [p["memory_mb"] for p in doc["measured"]] == [256, 1024, 2048]
    # The knee form is inside the physical band by construction.
    assert doc["cv"][0]["physical"] is True
    assert doc["params"]["knee_vcpu"] in (0.25, 0.35, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
    assert doc["coldstart"]["model"] in {"constant", "inverse", "cpu"}


def test_fit_report_matches_the_golden_file(cli, measurements, golden) -> None:
    result = cli("model", "fit", "--data", measurements)
    assert result.exit_code == 0, result.stderr
    golden("model_fit.txt", result.stdout)


def test_fit_from_workspace_invocations(cli, workspace: Path) -> None:
    rows = [
        {"function": "embed", "request_id": f"r{i}", "duration_ms": d, "billed_duration_ms": int(d) + 1,
         "memory_mb": m, "max_memory_used_mb": 90, "status": "success", "init_ms": None}
        for i, (m, d) in enumerate([(512, 2000.0), (512, 2100.0), (1024, 1050.0), (1024, 990.0),
                                    (2048, 560.0), (2048, 540.0), (2048, 9000.0)])
    ]
    rows[-1]["status"] = "timeout"  # left out: a timeout does not measure the work
    with Workspace.open(workspace) as ws:
        ws.import_records(conform(pd.DataFrame(rows)), source="t", format="test",
                          lines=7, parsed=7, ignored=0, rejected=0)
    doc = json.loads(cli("model", "fit", "embed", "--json").stdout)
    assert doc["samples"] == 6
    assert doc["working_set_mb"] == 90.0
    loads = {p["memory_mb"]: p["memory_load"] for p in doc["predictions"]}
    assert loads[128] == pytest.approx(90 / 128) and loads[1024] == pytest.approx(90 / 1024)


def test_fit_without_cold_starts_at_two_sizes_says_why_there_is_no_cold_start_model(cli, tmp_path) -> None:
    path = tmp_path / "warm.csv"
    path.write_text("memory_mb,duration_ms,init_ms\n512,2000,300\n512,2100,\n1024,1000,\n1024,990,\n")
    result = cli("model", "fit", "--data", path)
    assert result.exit_code == 0, result.stderr
    assert "Cold start: n/a (1 cold start(s) in the samples; a cold-start model needs at least 4)" in result.stdout
    doc = json.loads(cli("model", "fit", "--data", path, "--json").stdout)
    assert doc["coldstart"] is None
    assert doc["coldstart_note"].startswith("1 cold start(s) in the samples")
    assert all(row["init_ms"] is None for row in doc["predictions"])


def test_unknown_function_and_missing_source_are_clear_errors(cli, workspace: Path) -> None:
    missing = cli("model", "fit", "nope")
    assert missing.exit_code == 4 and "nope" in missing.stderr
    neither = cli("model", "fit")
    assert neither.exit_code == 2 and "either a FUNCTION name or --data" in neither.stderr


def test_a_table_with_one_memory_size_is_an_input_error_saying_two_are_needed(cli, tmp_path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("memory_mb,duration_ms\n512,100\n512,110\n")
    result = cli("model", "predict", "--data", path, "--memory", "1024")
    assert result.exit_code == 3
    assert "only measured at 512 MB; predicting another size needs" in " ".join(result.stderr.split())


def test_bad_csv_row_is_an_input_error_with_file_and_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("memory_mb,duration_ms\n512,100\n1024,fast\n")
    result = cli("model", "fit", "--data", path)
    assert result.exit_code == 3
    assert "bad.csv:3: duration_ms 'fast' is not a number" in " ".join(result.stderr.split())
