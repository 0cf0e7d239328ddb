"""One tuning worker as its own process: joins an Optuna study in a shared storage and runs trials.

Run as ``python _optuna_worker.py URL STUDY READY_DIR WORKER TOTAL``. It waits until every
worker has joined (a file each in READY_DIR), so that the workers really run side by side, then
runs trials until the study holds TOTAL finished ones. It prints, as JSON, the trial numbers it
ran and how many finished trials it saw from the other workers.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import optuna

WORKERS = 2
#: Long enough per trial that both workers are inside the study at once.
TRIAL_S = 0.2
JOIN_TIMEOUT_S = 120


def main(url: str, study_name: str, ready_dir: str, worker: str, total: int) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=url, study_name=study_name, load_if_exists=True,
                                sampler=optuna.samplers.RandomSampler(seed=int(worker)))
    Path(ready_dir, worker).touch()
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    while len(list(Path(ready_dir).iterdir())) < WORKERS:
        if time.monotonic() > deadline:
            sys.exit("the other worker never joined")
        time.sleep(0.05)
    mine: list[int] = []
    seen_others: list[int] = []

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -10, 10)
        trial.set_user_attr("worker", worker)
        mine.append(trial.number)
        finished = trial.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        seen_others.append(sum(1 for t in finished if t.user_attrs.get("worker") != worker))
        time.sleep(TRIAL_S)
        return (x - 2) ** 2

    stop = optuna.study.MaxTrialsCallback(total, states=(optuna.trial.TrialState.COMPLETE,))
    study.optimize(objective, callbacks=[stop])
    print(json.dumps({"trials": mine, "others_seen": max(seen_others, default=0)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
