"""tune() of a real handler through the local target, with the workspace of a command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.context import Context
from advisor.sla import Sla
from advisor.targets.local import LocalTarget
from advisor.tune import Budgets, MemorySpace, SearchSpace, TuneSettings, tune
from advisor.tune.records import tuning_records
from tests.conftest import REPO

HANDLER = f"{REPO / 'examples/digits_classifier.py'}:handler"
#: Keys the JSON object documents (docs/tune.md, "Output").
DOCUMENTED = {"function", "sla", "sla_basis", "recommendation", "predicted", "monthly_cost_usd", "current",
              "saving_usd", "tuning", "curve", "stopped_because"}


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Path]:
    workspace = tmp_path_factory.mktemp("ws")
    settings = TuneSettings(
        "digits", Sla.parse("p95=5s"), space=SearchSpace(MemorySpace.of_sizes([512, 1024, 1769])),
        payloads=(({"images": 300}, 1.0),), budgets=Budgets(invocations=6), invocations_per_trial=2,
    )
    with Context.resolve(workspace) as context, LocalTarget(HANDLER, timeout_s=60) as target:
        result = tune(target, settings, context=context)
        assert context.store is not None
        stored = tuning_records(context.store, "digits")
        traffic = context.store.invocations("digits")
    assert len(traffic) == 0, "tuning records are never taken for traffic"
    assert len(stored) == result.invocations and set(stored["memory_mb"]) == {512, 1024, 1769}
    return json.loads(json.dumps(result.to_dict())), workspace


def test_a_real_handler_is_tuned_within_its_small_budget(tuned: tuple[dict[str, object], Path]) -> None:
    data, _ = tuned
    tuning = data["tuning"]
    assert isinstance(tuning, dict)
    assert tuning["invocations"] == 6 and len(tuning["trials"]) == 3
    assert {t["memory_mb"] for t in tuning["trials"]} == {512, 1024, 1769}
    assert all(t["state"] == "complete" and t["p95_ms"] > 0 for t in tuning["trials"])
    recommendation = data["recommendation"]
    assert isinstance(recommendation, dict) and recommendation["memory_mb"] in (512, 1024, 1769)
    assert data["stopped_because"] in ("settled", "budget-invocations")


def test_the_json_object_has_the_documented_keys(tuned: tuple[dict[str, object], Path]) -> None:
    data, _ = tuned
    assert set(data) >= DOCUMENTED
    predicted = data["predicted"]
    assert isinstance(predicted, dict)
    for p in ("p50", "p95", "p99"):
        figure = predicted["latency_ms"][p]
        assert figure["low"] <= figure["value"] <= figure["high"]
    assert data["monthly_cost_usd"] is None, "no traffic: a monthly figure is unknown, not 0"
    assert data["sla_basis"] == "warm duration: no traffic known"
    curve = data["curve"]
    assert isinstance(curve, list) and {p["memory_mb"] for p in curve} == {512, 1024, 1769}
    assert all(p["measured"] for p in curve)


def test_the_study_lives_in_the_workspace(tuned: tuple[dict[str, object], Path]) -> None:
    _, workspace = tuned
    assert (workspace / "tune" / "studies.db").is_file()
