"""Power Tuning's results as evidence: one observation of the mean per size, for the
recommendation's evidence and for ``advisor model fit``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.powertuning.evidence import SOURCE, measurements
from advisor.powertuning.importing import import_powertuning
from advisor.tune.measure import Measurement
from advisor.workspace import Workspace
from tests.logs._samples import write

DATA = Path(__file__).parent / "data"
ISSUE_265 = str(DATA / "issue265-output.json")
HISTORY = str(DATA / "get-execution-history.json")
README_URL = (DATA / "readme-visualization-url.txt").read_text().strip()


def test_each_size_is_one_measurement_holding_one_mean_and_no_invocation(workspace: Path) -> None:
    import_powertuning("api-handler", [HISTORY], workspace=workspace)
    with Workspace.open(workspace) as store:
        found = measurements(store, "api-handler")
    assert all(isinstance(m, Measurement) for m in found)
    assert [(m.architecture, m.memory_mb) for m in found] == [("x86_64", s) for s in (128, 256, 512, 1024, 1536, 2048)]
    first = found[0]
    assert first.invocations == 0 and not first.failed and first.billed_ms().size == 0
    assert first.durations_ms().tolist() == [443.89949999999993]
    (record,) = first.records
    assert record["request_id"] is None and record["status"] == "success" and record["source"] == SOURCE
    assert record["powertuning_invocations"] == 10 and record["powertuning_cost"] == 9.345000000000001e-7


def test_the_architecture_is_the_imports_else_the_functions_else_lambdas_default(workspace: Path) -> None:
    import_powertuning("classifier", [README_URL], architecture="arm64", workspace=workspace)
    import_powertuning("api-handler", [ISSUE_265], workspace=workspace)
    with Workspace.open(workspace) as store:
        assert {m.architecture for m in measurements(store, "classifier")} == {"arm64"}
        store.upsert_function("api-handler", architecture="arm64")
        assert {m.architecture for m in measurements(store, "api-handler")} == {"arm64"}


def test_two_runs_at_a_size_are_two_records_of_one_measurement(workspace: Path, tmp_path: Path) -> None:
    second = tmp_path / "second.json"
    second.write_text('{"stats": [{"value": 128, "averageDuration": 450.5, "averagePrice": 9.5e-7}]}')
    import_powertuning("api-handler", [ISSUE_265, str(second)], workspace=workspace)
    with Workspace.open(workspace) as store:
        at_128 = measurements(store, "api-handler")[0]
    assert at_128.memory_mb == 128 and sorted(at_128.durations_ms()) == [443.89949999999993, 450.5]


def test_a_function_without_results_has_no_measurements(workspace: Path) -> None:
    with Workspace.open(workspace) as store:
        assert measurements(store, "unknown") == []


def test_model_fit_uses_the_results_alone(cli, workspace: Path) -> None:
    assert cli("import", "powertuning", "api-handler", ISSUE_265).exit_code == 0
    result = cli("model", "fit", "api-handler", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["samples"] == 6
    assert [(p["memory_mb"], p["count"], p["mean_ms"]) for p in doc["measured"]] == [
        (128, 1, 443.89949999999993), (256, 1, 198.4030000000001), (512, 1, 88.51350000000001),
        (1024, 1, 66.2415), (1536, 1, 58.86233333333332), (2048, 1, 54.95933333333334)]
    predicted = {p["memory_mb"]: p["mean_ms"] for p in doc["predictions"]}
    assert predicted[2048] < predicted[512] < predicted[128], "the curve falls as Power Tuning measured"


def test_model_fit_puts_the_results_beside_the_traffic(cli, workspace: Path, tmp_path: Path) -> None:
    log = write(tmp_path, "S002")  # a real REPORT line: 256 MB, 4,157.16 ms
    assert cli("import", "logs", log, "--function", "api-handler").exit_code == 0
    assert cli("import", "powertuning", "api-handler", ISSUE_265).exit_code == 0
    doc = json.loads(cli("model", "fit", "api-handler", "--json").stdout)
    assert doc["samples"] == 7
    at_256 = next(p for p in doc["measured"] if p["memory_mb"] == 256)
    assert at_256["count"] == 2 and at_256["mean_ms"] == pytest.approx((4157.16 + 198.4030000000001) / 2)


def test_model_fit_without_traffic_or_results_says_how_to_get_either(cli, workspace: Path, tmp_path: Path) -> None:
    with Workspace.open(workspace) as store:
        store.upsert_function("empty")
    result = cli("model", "fit", "empty")
    assert result.exit_code == 3
    assert "advisor import powertuning" in result.stderr and "Traceback" not in result.stderr
