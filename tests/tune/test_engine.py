"""tune() end to end on plugin targets whose true curve is known."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.pricing import PriceCatalog
from advisor.sla import Sla
from advisor.tune import Budgets, MemorySpace, SearchSpace, TuneSettings, stopping, tune
from advisor.tune.levels import UPPER
from advisor.tune.result import TuneEvent
from advisor.tune.scoring import InvocationPrice
from tests.tune.curve_target import CurveTarget

PRICE = InvocationPrice.of(PriceCatalog.bundled(), "us-east-1", "x86_64")
SPACE = SearchSpace(MemorySpace(128, 3008))
#: The true p95 of a log-normal with spread sigma, over its mean.
Z95 = 1.6448536269514722


def true_p95(target: CurveTarget, memory_mb: np.ndarray) -> np.ndarray:
    return target.mean_ms(memory_mb) * np.exp(Z95 * target.sigma - target.sigma**2 / 2)


def true_optimum(target: CurveTarget, sla_ms: float, space: MemorySpace) -> tuple[int, float]:
    grid = space.grid()
    cost = PRICE.cost(grid, target.mean_ms(grid))
    ok = true_p95(target, grid) <= sla_ms
    best = int(np.flatnonzero(ok)[np.argmin(cost[ok])])
    return int(grid[best]), float(cost[best])


def settings(sla: str, **changes: object) -> TuneSettings:
    values: dict[str, object] = {"space": SPACE, "budgets": Budgets(invocations=20)}
    values.update(changes)
    return TuneSettings("curve", Sla.parse(sla), **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("sla", ["p95=250ms", "p95=400ms", "p95=150ms"])
def test_the_recommendation_is_near_the_true_optimum_and_meets_the_sla(sla: str) -> None:
    target = CurveTarget(seed=3)
    result = tune(target, settings(sla))
    assert result.memory_mb is not None and result.feasible
    limit = Sla.parse(sla).objectives[0].limit_ms
    optimum_mb, optimum_cost = true_optimum(target, limit, SPACE.memory)
    chosen = float(PRICE.cost(np.array([result.memory_mb]), target.mean_ms(result.memory_mb))[0])
    assert chosen <= optimum_cost * 1.05, (result.memory_mb, optimum_mb)
    assert true_p95(target, np.array([result.memory_mb]))[0] <= limit
    assert result.invocations <= 20


def test_the_recommendation_meets_the_sla_in_the_feasibility_levels_share_of_its_draws() -> None:
    for seed in range(3):
        result = tune(CurveTarget(seed=seed, sigma=0.1), settings("p95=200ms", seed=seed))
        assert result.best is not None and result.feasible
        assert result.best.p_feasible >= UPPER
        # ... and every size the curve marks feasible meets it in that share, its median p95 too.
        feasible = result.best.feasible
        assert np.all(result.best.sla_share[feasible] >= UPPER)
        assert np.all(result.best.percentile_ms[95.0][0][feasible] <= 200.0)


def test_a_size_that_runs_out_of_memory_is_an_infeasible_trial_and_tuning_goes_on() -> None:
    target = CurveTarget(seed=1, fails_below_mb=300)
    result = tune(target, settings("p95=1s"))
    failed = [t for t in result.trials if t.state == "infeasible"]
    assert failed, [t.to_dict() for t in result.trials]
    assert all("Runtime.OutOfMemory" in " ".join(t.errors) for t in failed)
    assert all(t.invocations == 1 for t in failed)  # a failing size is not invoked again
    assert len(result.trials) > len(failed)
    assert result.memory_mb is not None and result.memory_mb >= 300
    assert result.best is not None and not result.best.feasible[result.best.memory_mb < 300].any()


def test_events_tell_a_live_view_every_trial_the_best_and_the_stop() -> None:
    events: list[TuneEvent] = []
    result = tune(CurveTarget(seed=2), settings("p95=250ms"), on_event=events.append)
    kinds = [e.kind for e in events]
    assert kinds.count("trial-started") == kinds.count("trial-finished") == len(result.trials)
    assert "best-changed" in kinds and "budget" in kinds
    assert kinds[-1] == "stopped" and events[-1].data["reason"] == result.stopped_because
    finished = [e.data for e in events if e.kind == "trial-finished"]
    assert [d["memory_mb"] for d in finished] == [t.memory_mb for t in result.trials]


def test_the_tunings_own_spend_is_its_invocations_priced_by_the_catalog() -> None:
    target = CurveTarget(seed=4)
    result = tune(target, settings("p95=250ms"))
    assert result.invocations == target.invocations
    assert result.cost_usd == pytest.approx(sum(t.cost_usd for t in result.trials))
    assert result.cost_usd > 0


def test_an_architecture_the_target_cannot_run_is_refused_before_any_invocation() -> None:
    from advisor.errors import UsageError

    target = CurveTarget()
    space = SearchSpace(MemorySpace(128, 3008), ("x86_64", "arm64"))
    with pytest.raises(UsageError, match="arm64"):
        tune(target, settings("p95=1s", space=space))
    assert target.invocations == 0


def test_with_traffic_the_recommendation_is_a_month_at_its_cheapest_keep_warm_setting() -> None:
    from advisor.tune import Current
    from advisor.tune.traffic import steady_rate

    trace = steady_rate(0.01, 86_400.0)
    result = tune(CurveTarget(seed=1), settings("p95=300ms", traffic=trace, current=Current(1024)))
    data = result.to_dict()
    assert data["sla_basis"] == f"end-to-end over {len(trace)} requests drawn at 0.01/s steady"  # not "real"
    monthly = data["monthly_cost_usd"]
    assert monthly is not None and monthly["total"] == pytest.approx(sum(monthly["breakdown"].values()))
    assert data["recommendation"]["keep_warm"]["kind"] in ("none", "provisioned", "schedule", "pings")
    assert data["predicted"]["cold_start_fraction"] is not None
    assert data["predicted"]["latency_ms"]["p95"]["high"] <= 300.0  # the SLA holds on the pessimistic replay
    current = data["current"]
    assert current is not None and current["monthly_cost_usd"] is not None
    assert data["saving_usd"] == pytest.approx(current["monthly_cost_usd"]["total"] - monthly["total"])
    assert any(p["monthly_cost_usd"] is not None for p in data["curve"])


def test_the_last_full_trial_measures_a_recommendation_no_measurement_confirms() -> None:
    # Seed 3 at p95=120 ms reaches the case: with room for one full trial left, the
    # recommendation (feasible by the model) lies more than CONFIRMED_OCTAVES from every size
    # measured, and the final pick is confined to measured neighbourhoods.
    events: list[TuneEvent] = []
    settings = TuneSettings("curve", Sla.parse("p95=120ms"), space=SearchSpace(MemorySpace(128, 3008)),
                            budgets=Budgets(invocations=20), seed=3)
    tune(CurveTarget(sigma=0.1, seed=3), settings, on_event=events.append)
    best: dict[str, object] | None = None
    measured: list[int] = []
    spent = 0
    confirming = []
    for event in events:
        if event.kind == "best-changed":
            best = event.data
        if event.kind == "trial-started":
            left = settings.budgets.invocations - spent
            if left < 2 * settings.invocations_per_trial and best is not None and best["feasible"]:
                distance = min(abs(np.log2(int(best["memory_mb"]) / m)) for m in measured)  # type: ignore[call-overload]
                if distance > stopping.CONFIRMED_OCTAVES:
                    confirming.append((event.data["memory_mb"], best["memory_mb"]))
            measured.append(int(event.data["memory_mb"]))
            spent += int(event.data["invocations"])
    assert confirming, "the case no longer reaches an unconfirmed recommendation before the last trial"
    assert all(trial == recommended for trial, recommended in confirming)
