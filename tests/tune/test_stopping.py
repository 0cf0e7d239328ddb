"""Every reason a tuning stops is reached, and reported with what it spent."""

from __future__ import annotations

import optuna
import pytest

from advisor.sla import Sla
from advisor.tune import Budgets, MemorySpace, SearchSpace, TuneSettings, stopping, tune
from tests.tune.curve_target import CurveTarget, InterruptingTarget

SPACE = SearchSpace(MemorySpace(128, 3008))


def settings(sla: str = "p95=250ms", **budgets: object) -> TuneSettings:
    return TuneSettings("curve", Sla.parse(sla), space=SPACE, budgets=Budgets(**budgets))  # type: ignore[arg-type]


def test_an_easy_sla_on_a_flat_curve_settles_before_the_budget() -> None:
    target = CurveTarget(io_ms=100.0, cpu_ms=0.5, sigma=0.03)
    result = tune(target, settings("p95=2s", invocations=40))
    assert result.stopped_because == stopping.SETTLED
    assert result.invocations < 40
    assert result.memory_mb is not None and result.memory_mb < 200  # flat: the smallest sizes are cheapest


def test_the_invocation_budget_stops_it_and_is_never_exceeded() -> None:
    target = CurveTarget(sigma=0.15)
    result = tune(target, settings("p95=150ms", invocations=7))
    assert result.stopped_because == stopping.BUDGET_INVOCATIONS
    assert result.invocations == target.invocations == 7


def test_the_usd_budget_stops_it_before_a_trial_would_pass_it() -> None:
    target = CurveTarget(sigma=0.15)
    budget = 2e-5
    result = tune(target, settings("p95=150ms", invocations=100, usd=budget))
    assert result.stopped_because == stopping.BUDGET_USD
    assert result.cost_usd <= budget
    assert result.invocations < 100


def test_the_timeout_stops_it() -> None:
    target = CurveTarget()
    result = tune(target, settings(invocations=100, timeout_s=1e-6))
    assert result.stopped_because == stopping.TIMEOUT
    assert result.invocations == target.invocations


def test_ctrl_c_stops_it_with_what_was_measured_and_the_trial_in_flight_failed() -> None:
    storage = optuna.storages.InMemoryStorage()
    target = InterruptingTarget(interrupt_at=6)
    result = tune(target, settings(invocations=20), storage=storage)
    assert result.stopped_because == stopping.INTERRUPTED
    # The first trial, and the one invocation of the second made before Ctrl-C (it was billed).
    assert result.invocations == target.invocations - 1 == 5
    study = optuna.load_study(study_name="tune-curve", storage=storage)
    states = [t.state for t in study.get_trials()]
    assert states == [optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL]


@pytest.mark.parametrize("budget", [{"invocations": 0}, {"usd": 0.0}, {"timeout_s": -1.0}])
def test_a_budget_that_allows_nothing_is_refused(budget: dict[str, float]) -> None:
    from advisor.errors import UsageError

    with pytest.raises(UsageError):
        Budgets(**budget)  # type: ignore[arg-type]
