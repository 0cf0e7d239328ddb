"""Several tuning workers share one Optuna study through a real PostgreSQL server (issue 13, section 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_optuna_worker.py")
CURVE = f"{Path(__file__).with_name('plugin_target.py')}:CurveFunction"
TOTAL = 12
#: Invocations of the shared study (both workers together).
BUDGET = 16


def _run_workers(command: list[list[str]], timeout_s: float = 300) -> list[dict]:
    processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in command]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=timeout_s)
        assert process.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


def test_two_worker_processes_share_the_trials_of_one_study(postgres_database: str, tmp_path: Path) -> None:
    # Optuna's own rule for several workers: create the storage's tables once before they start
    # (workers that create them at the same moment collide: optuna/optuna#1092).
    optuna.storages.RDBStorage(postgres_database)
    name = "workers"
    ready = tmp_path / "ready"
    ready.mkdir()
    results = _run_workers([[sys.executable, str(WORKER), postgres_database, name, str(ready), worker, str(TOTAL)]
                            for worker in ("1", "2")])

    study = optuna.load_study(study_name=name, storage=postgres_database)
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    numbers = [t.number for t in study.trials]
    assert len(numbers) == len(set(numbers))  # no trial number handed out twice
    # Each worker stops once the study holds TOTAL finished trials; the other's last trial may finish after.
    assert TOTAL <= len(complete) <= TOTAL + 1
    ran = [set(r["trials"]) for r in results]
    assert ran[0].isdisjoint(ran[1])
    assert ran[0] | ran[1] == set(numbers)
    # The work was shared: each worker ran some trials and saw trials the other had finished.
    assert all(ran) and all(r["others_seen"] > 0 for r in results)
    assert {t.user_attrs["worker"] for t in complete} == {"1", "2"}


def _tune_worker(url: str, workspace: Path, barrier: Path, worker: str) -> list[str]:
    return [sys.executable, "-m", "advisor", "tune", "fn", "--target", CURVE, "--target-option", f"worker={worker}",
            "--target-option", f"barrier={barrier}", "--target-option", "sleep_s=0.25", "--memory", "128..3008",
            "--sla", "p95=1500ms", "--budget-invocations", str(BUDGET), "--storage", url, "--study", "shared",
            "--resume", "--yes", "--json", "-w", str(workspace)]


@pytest.mark.slow
def test_two_advisor_tune_workers_share_one_study_on_a_new_database(postgres_database: str, tmp_path: Path) -> None:
    # No tables yet: both workers open the storage at once and must not collide creating them.
    env = dict(os.environ, PYTHONPATH=str(REPO))
    commands = [_tune_worker(postgres_database, tmp_path / f"ws-{w}", tmp_path / "barrier", w) for w in ("a", "b")]
    processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for c in commands]
    docs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        docs.append(json.loads(out))

    study = optuna.load_study(study_name="shared", storage=postgres_database)
    finished = [t for t in study.trials if t.state.is_finished()]
    ran = {w: {t.number for t in finished if t.user_attrs["records"][0]["request_id"].startswith(f"{w}-")}
           for w in ("a", "b")}
    assert all(ran.values())  # each worker measured some sizes
    # ... side by side: some trial of one overlaps in time with some trial of the other.
    spans = {w: [(t.datetime_start, t.datetime_complete) for t in finished if t.number in ran[w]] for w in ran}
    assert any(a0 < b1 and b0 < a1 for a0, a1 in spans["a"] for b0, b1 in spans["b"])
    assert sum(len(t.user_attrs["records"]) for t in finished) <= BUDGET + 4  # one budget for the study
    # Each worker's answer rests on the other's trials too, and the last to finish saw them all.
    for worker, doc in zip(("a", "b"), docs, strict=True):
        numbers = {t["number"] for t in doc["tuning"]["trials"]}
        assert numbers - ran[worker] and numbers <= {t.number for t in finished}
    assert max(len(d["tuning"]["trials"]) for d in docs) == len(finished)
