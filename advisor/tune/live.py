"""The live view of a running tuning: its trials so far, the current best, the budget used.

The engine reports what happens through ``on_event`` (:class:`advisor.tune.result.TuneEvent`);
:class:`LiveState` keeps what the events said and renders it, and :class:`LiveView` redraws it
on the terminal with rich's ``Live`` while the tuning runs. The view is quiet (draws nothing)
when it is not enabled: with ``--json``, or when the output is not a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from advisor.units import format_duration

if TYPE_CHECKING:
    from advisor.tune.result import TuneEvent

#: Trials shown at most (the latest ones): the view stays within a screen.
MAX_ROWS = 12
REFRESH_PER_SECOND = 4


@dataclass
class LiveState:
    """What the events of one tuning said so far.

    Attributes:
        function: The function tuned.
        sla: The SLA as written.
        trials: Trial number -> its figures (started ones have only memory and architecture).
        best: The current best (memory, architecture, cost per million, feasible), when any.
        budget: The latest budget figures (invocations, USD, elapsed time and their limits).
        stopped: Why the tuning stopped, once it has.
    """

    function: str
    sla: str
    trials: dict[int, dict[str, Any]] = field(default_factory=dict)
    best: dict[str, Any] | None = None
    budget: dict[str, Any] = field(default_factory=dict)
    stopped: str | None = None

    def apply(self, event: TuneEvent) -> None:
        """Take in one event of the engine."""
        data = event.data
        if event.kind == "trial-started":
            self.trials[int(data["number"])] = {**data, "state": "running"}
        elif event.kind == "trial-finished":
            number = data.get("number")
            key = int(number) if number is not None else -1 - len(self.trials)
            self.trials[key] = dict(data)
        elif event.kind == "best-changed":
            self.best = dict(data)
        elif event.kind == "budget":
            self.budget = dict(data)
        elif event.kind == "stopped":
            self.stopped = str(data.get("reason"))

    def render(self) -> RenderableType:
        """The view: a title, the latest trials, the best so far and the budget used."""
        title = Text()
        title.append(f"tuning {self.function}", style="bold")
        title.append(f"  SLA {self.sla}")
        if self.stopped:
            title.append(f"  stopped: {self.stopped}")
        errors = [f"{t['state']} at {t['memory_mb']:,} MB {t['architecture']}: {'; '.join(t['errors'])}"
                  for _, t in sorted(self.trials.items()) if t.get("errors")]
        return Group(title, self._table(), *(Text(line) for line in errors[-MAX_ROWS:]),
                     Text(self._best_line()), Text(self._budget_line()))

    def _table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
        for name in ("#", "memory MB", "arch", "inv.", "p50 ms", "p95 ms", "cost USD", "state"):
            table.add_column(name, justify="left" if name in ("arch", "state") else "right", no_wrap=True)
        shown = sorted(self.trials.items())[-MAX_ROWS:]
        for number, trial in shown:
            table.add_row(
                str(number) if number >= 0 else "-", f"{trial['memory_mb']:,}", str(trial["architecture"]),
                _count(trial.get("invocations")), _ms(trial.get("p50_ms")), _ms(trial.get("p95_ms")),
                _usd(trial.get("cost_usd")), str(trial["state"]),
            )
        return table

    def _best_line(self) -> str:
        best = self.best
        if best is None:
            return "best so far: n/a (no model until sizes have been measured)"
        verdict = "meets the SLA" if best.get("feasible") else "nearest to the SLA, not yet meeting it"
        return (f"best so far: {best['memory_mb']:,} MB {best['architecture']}, "
                f"${best['cost_per_million_usd']:,.2f} per million invocations ({verdict})")

    def _budget_line(self) -> str:
        b = self.budget
        if not b:
            return "budget used: n/a (nothing measured yet)"
        usd_limit = "" if b.get("budget_usd") is None else f" of ${b['budget_usd']:,.4f}"
        time_limit = "" if b.get("timeout_s") is None else f" of {format_duration(b['timeout_s'])}"
        return (f"budget used: {b['invocations']:,} of {b['budget_invocations']:,} invocations, "
                f"${b['cost_usd']:,.6f}{usd_limit}, {format_duration(round(b['elapsed_s']))}{time_limit}")


class LiveView:
    """Redraws a :class:`LiveState` on ``console`` while the tuning runs; call it with each event.

    Use as ``with LiveView(console, function=..., sla=..., enabled=...) as view: tune(..., on_event=view)``.
    """

    def __init__(self, console: Console, *, function: str, sla: str, enabled: bool) -> None:
        self.state = LiveState(function, sla)
        self._console = console
        self._enabled = enabled
        self._live: Live | None = None

    def __call__(self, event: TuneEvent) -> None:
        self.state.apply(event)
        if self._live is not None:
            self._live.update(self.state.render())

    def __enter__(self) -> Self:
        if self._enabled:
            self._live = Live(self.state.render(), console=self._console, transient=True,
                              refresh_per_second=REFRESH_PER_SECOND)
            self._live.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.__exit__(kind, exc, tb)
            self._live = None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _usd(value: float | None) -> str:
    return "-" if value is None else f"{value:.6f}"


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
