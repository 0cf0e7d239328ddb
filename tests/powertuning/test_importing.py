"""Storing Power Tuning's results: once each, atomically, the exact figures kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.errors import InputError, UsageError
from advisor.powertuning.importing import import_powertuning
from advisor.workspace import Workspace

DATA = Path(__file__).parent / "data"
README_URL = (DATA / "readme-visualization-url.txt").read_text().strip()
ISSUE_265 = str(DATA / "issue265-output.json")
HISTORY = str(DATA / "get-execution-history.json")


def _stored(workspace: Path, function: str) -> list[dict]:
    with Workspace.open(workspace) as store:
        return store.powertuning_results(function)


def test_an_import_stores_one_row_per_size_and_names_the_function(workspace: Path) -> None:
    outcome = import_powertuning("api-handler", [ISSUE_265], workspace=workspace)
    assert outcome.summary is not None and (outcome.summary.added, outcome.summary.duplicates) == (6, 0)
    rows = _stored(workspace, "api-handler")
    assert [(r["memory_mb"], r["mean_duration_ms"]) for r in rows][:2] == [(128, 443.89949999999993),
                                                                         (256, 198.4030000000001)]
    assert {r["source"] for r in rows} == {ISSUE_265} and all(r["imported_at"] is not None for r in rows)
    with Workspace.open(workspace) as store:
        assert store.function("api-handler").invocations == 0, "results are no invocation records"
        log = store.import_log()
    assert list(log["format"]) == ["powertuning"] and int(log["added"].iloc[0]) == 6


def test_importing_the_same_run_again_adds_nothing_and_fills_in_what_was_missing(workspace: Path) -> None:
    import_powertuning("api-handler", [ISSUE_265], workspace=workspace)
    again = import_powertuning("api-handler", [ISSUE_265, HISTORY], workspace=workspace)
    assert again.summary is not None and (again.summary.added, again.summary.duplicates) == (0, 12)
    rows = _stored(workspace, "api-handler")
    assert len(rows) == 6
    assert {(r["invocations"], r["discard_top_bottom"]) for r in rows} == {(10, 0.1)}, \
        "the history's input filled in the count the bare output lacked"


def test_the_url_then_the_output_of_one_run_keeps_one_row_with_the_exact_figures(workspace: Path) -> None:
    import_powertuning("image-classifier", [README_URL], architecture="arm64", workspace=workspace)
    assert {r["exact"] for r in _stored(workspace, "image-classifier")} == {False}
    exact = 3890.8916015625 + 1e-5  # the same run's JSON number, beyond Float32's digits
    path = workspace.parent / "exact.json"
    path.write_text(json.dumps({"stats": [{"value": 1024, "averageDuration": exact, "averagePrice": 6.4896e-05}]}))
    outcome = import_powertuning("image-classifier", [str(path)], workspace=workspace)
    assert outcome.summary is not None and (outcome.summary.added, outcome.summary.duplicates) == (0, 1)
    rows = {r["memory_mb"]: r for r in _stored(workspace, "image-classifier")}
    assert len(rows) == 6
    assert rows[1024]["exact"] and rows[1024]["mean_duration_ms"] == exact and rows[1024]["cost"] == 6.4896e-05
    assert rows[1024]["architecture"] == "arm64" and rows[1024]["source"] == str(path)
    assert not rows[512]["exact"]


def test_another_run_of_the_same_sizes_is_kept_beside_the_first(workspace: Path, tmp_path: Path) -> None:
    import_powertuning("api-handler", [ISSUE_265], workspace=workspace)
    second = tmp_path / "second.json"
    second.write_text('{"stats": [{"value": 128, "averageDuration": 450.5, "averagePrice": 9.5e-7}]}')
    import_powertuning("api-handler", [str(second)], workspace=workspace)
    assert [r["mean_duration_ms"] for r in _stored(workspace, "api-handler") if r["memory_mb"] == 128] == \
        [443.89949999999993, 450.5]


def test_a_bad_input_among_good_ones_stores_nothing(workspace: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"stats": [{"value": 128, "averageDuration": 0, "averagePrice": 0}]}')
    with pytest.raises(InputError, match=r"bad\.json"):
        import_powertuning("api-handler", [ISSUE_265, str(bad)], workspace=workspace)
    assert _stored(workspace, "api-handler") == []


def test_a_dry_run_reads_everything_and_stores_nothing(workspace: Path) -> None:
    outcome = import_powertuning("api-handler", [ISSUE_265, README_URL], dry_run=True, workspace=workspace)
    assert outcome.summary is None and outcome.sizes == 12
    doc = outcome.to_dict()
    assert "stored" not in doc and doc["counts"] == {"inputs": 2, "sizes": 12}
    assert doc["inputs"][1]["sizes"][0] == {"memory_mb": 128, "mean_duration_ms": 37002.3984375,
                                            "cost": pytest.approx(7.7168e-5), "currency": "USD",
                                            "architecture": None, "invocations": None,
                                            "discard_top_bottom": None, "exact": False}
    assert not workspace.exists()


@pytest.mark.parametrize(("function", "inputs", "arch", "says"), [
    ("f", [], None, "no Power Tuning output"), (" ", [ISSUE_265], None, "function name is empty"),
    ("f", [ISSUE_265], "sparc", "not a Lambda architecture"),
])
def test_bad_arguments_are_refused(function: str, inputs: list[str], arch: str | None, says: str,
                                   workspace: Path) -> None:
    with pytest.raises(UsageError, match=says):
        import_powertuning(function, inputs, architecture=arch, workspace=workspace)


def test_the_same_run_twice_in_one_import_is_stored_once(workspace: Path) -> None:
    outcome = import_powertuning("api-handler", [ISSUE_265, README_URL, ISSUE_265], workspace=workspace)
    assert outcome.summary is not None and (outcome.summary.added, outcome.summary.duplicates) == (12, 6)
    assert len(_stored(workspace, "api-handler")) == 12
