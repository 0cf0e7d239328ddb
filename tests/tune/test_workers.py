"""Several tuning workers share one Optuna study through a real PostgreSQL server (issue 13, section 8)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import optuna

WORKER = Path(__file__).with_name("_optuna_worker.py")
TOTAL = 12


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
