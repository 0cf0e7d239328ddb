"""The live view draws what the engine's events of a real tuning say: trials, the best, the budget."""

from __future__ import annotations

import io

from rich.console import Console

from advisor.sla import Sla
from advisor.tune import Budgets, MemorySpace, SearchSpace, TuneEvent, TuneSettings, tune
from advisor.tune.live import LiveState, LiveView
from tests.tune.plugin_target import CurveFunction


SPACE = MemorySpace.parse("128..3008")
#: The first size measured runs out of memory.
FAILING_MB = SPACE.initial()[0]


def _events() -> list[TuneEvent]:
    events: list[TuneEvent] = []
    settings = TuneSettings(function="fn", sla=Sla.parse("p95=1500ms"), space=SearchSpace(SPACE), budgets=Budgets(12))
    tune(CurveFunction(fail_below_mb=FAILING_MB + 1), settings, on_event=events.append)
    return events


def _text(renderable) -> str:  # type: ignore[no-untyped-def]
    console = Console(width=100, no_color=True, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_the_view_shows_every_trial_the_best_and_the_budget_used() -> None:
    events = _events()
    state = LiveState("fn", "p95=1.5s")
    for event in events:
        state.apply(event)
    text = _text(state.render())
    finished = [e.data for e in events if e.kind == "trial-finished"]
    assert finished
    rows = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert [(r[0], r[1]) for r in rows] == [(str(t["number"]), f"{t['memory_mb']:,}") for t in finished]
    assert all(r[7] in ("complete", "infeasible") for r in rows)
    assert f"infeasible at {FAILING_MB} MB x86_64: error: Runtime.OutOfMemory" in text
    best = [e.data for e in events if e.kind == "best-changed"][-1]
    assert f"best so far: {best['memory_mb']:,} MB x86_64" in text
    budget = [e.data for e in events if e.kind == "budget"][-1]
    assert f"budget used: {budget['invocations']:,} of 12 invocations" in text
    stopped = [e.data["reason"] for e in events if e.kind == "stopped"]
    assert stopped and f"stopped: {stopped[0]}" in text


def test_a_trial_that_started_shows_as_running_before_it_finishes() -> None:
    state = LiveState("fn", "p95=1s")
    state.apply(TuneEvent("trial-started", {"number": 0, "memory_mb": 512, "architecture": "x86_64", "invocations": 4}))
    text = _text(state.render())
    assert "running" in text and "best so far: n/a" in text and "budget used: n/a" in text


def test_the_view_is_quiet_when_not_enabled() -> None:
    out = io.StringIO()
    with LiveView(Console(file=out, force_terminal=True), function="fn", sla="p95=1s", enabled=False) as view:
        for event in _events():
            view(event)
    assert out.getvalue() == ""
    assert view.state.stopped is not None  # it still followed the tuning


def test_the_view_draws_on_a_terminal() -> None:
    out = io.StringIO()
    with LiveView(Console(file=out, force_terminal=True, width=100), function="fn", sla="p95=1s",
                  enabled=True) as view:
        for event in _events():
            view(event)
    assert "tuning fn" in out.getvalue()
