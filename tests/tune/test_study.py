"""The study: resumed runs and several workers fit on every measurement, whoever made it."""

from __future__ import annotations

import threading
from pathlib import Path

import optuna
import pytest

from advisor.errors import InputError, UsageError
from advisor.sla import Sla
from advisor.tune import Budgets, MemorySpace, SearchSpace, TuneSettings, tune
from advisor.tune.study import measurements
from tests.tune.curve_target import CurveTarget

SPACE = SearchSpace(MemorySpace(128, 3008))


def settings(storage: str | None, invocations: int, *, resume: bool = False, seed: int = 0) -> TuneSettings:
    return TuneSettings("curve", Sla.parse("p95=150ms"), space=SPACE, budgets=Budgets(invocations=invocations),
                        storage=storage, resume=resume, seed=seed)


def test_resume_continues_a_study_reusing_its_measured_trials(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    first = tune(CurveTarget(seed=1, sigma=0.15), settings(url, 8))
    assert first.invocations == 8
    target = CurveTarget(seed=2, sigma=0.15)
    second = tune(target, settings(url, 16, resume=True))
    assert second.invocations == 16 and target.invocations == 8  # the budget is the study's
    assert [t.number for t in second.trials][: len(first.trials)] == [t.number for t in first.trials]
    assert [t.memory_mb for t in second.trials][: len(first.trials)] == [t.memory_mb for t in first.trials]


def test_a_study_with_trials_is_not_reused_without_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    tune(CurveTarget(), settings(url, 4))
    with pytest.raises(UsageError, match="--resume"):
        tune(CurveTarget(), settings(url, 8))


def test_a_study_of_another_function_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    tune(CurveTarget(), settings(url, 4))
    other = TuneSettings("other", Sla.parse("p95=1s"), space=SPACE, storage=url, resume=True, study="tune-curve")
    with pytest.raises(UsageError, match="tunes function 'curve'"):
        tune(CurveTarget(), other)


def test_two_workers_on_one_sqlite_study_share_the_budget_and_every_measurement(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    optuna.create_study(study_name="tune-curve", storage=url)  # as the first worker would
    targets = [CurveTarget(seed=10), CurveTarget(seed=11)]
    results: list[object] = [None, None]

    def work(i: int) -> None:
        results[i] = tune(targets[i], settings(url, 24, resume=True, seed=i))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(t.invocations > 0 for t in targets), "both workers measured"
    study = optuna.load_study(study_name="tune-curve", storage=url)
    found = measurements(study)
    total = sum(m.invocations for m in found)
    assert total == sum(t.invocations for t in targets)
    assert total <= 24 + 2 * 4  # each worker may start one trial the other's last one used up
    for result in results:
        assert result is not None
        assert result.invocations >= sum(t.invocations for t in targets) - 4  # it saw the other's trials
    sizes = [(m.memory_mb, m.trial) for m in found]
    assert len({s for s, _ in sizes}) >= 4


def test_a_library_tuning_opens_its_storage_with_the_command_s_checks() -> None:
    # tune() given a URL directly (no CLI in between): one-line errors, never SQLAlchemy's traceback.
    unreachable = settings("postgresql://tuner:secret@127.0.0.1:1/studies", 4)
    with pytest.raises(InputError, match="cannot open the study storage") as caught:
        tune(CurveTarget(), unreachable)
    assert "secret" not in str(caught.value)
    with pytest.raises(UsageError, match="is not a database URL"):
        tune(CurveTarget(), settings("studies", 4))
