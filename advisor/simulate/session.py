"""One ``advisor replay``: a trace, a base scenario and its ``--compare`` variants, replayed and priced.

:func:`replay_trace` is the library call behind the command: it moves the trace to the asked
memory size (through the models' one rescaling path), prices every scenario at that size with
the workspace's catalog, and says what the figures rest on (notes), so the command only parses
options and renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.simulate._base import ReplayResult
from advisor.simulate.inputs import Trace, at_memory
from advisor.simulate.scenarios import Scenario, parse_scenario, run_scenarios

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog

PINGS_NOTE = (
    "with warm-up pings, requests, cold starts and latency are the traffic's; instances and cost include the pings"
)
NO_INIT_NOTE = (
    "no cold-start init time is known for this traffic, so cold starts add 0 ms to latency; "
    "pass --init-ms with a measured init time (advisor analyze or advisor local invoke show one)"
)


@dataclass
class ReplayReport:
    """What one replay command produced.

    Attributes:
        trace: The replayed requests (at the replayed memory size).
        runs: Each scenario and its result, the base first.
        notes: What the figures rest on, for the reader (also in the JSON).
    """

    trace: Trace
    runs: list[tuple[Scenario, ReplayResult]]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: the base run's summary alone, or every run when comparing."""
        if len(self.runs) == 1:
            return {**self.runs[0][1].summary(), "notes": self.notes}
        return {"trace": self.trace.name, "notes": self.notes,
                "runs": [{"label": s.label, "summary": r.summary()} for s, r in self.runs]}


def replay_trace(
    trace: Trace,
    base: Scenario,
    compare: Sequence[str] = (),
    *,
    memory_mb: int | None = None,
    seed: int = 0,
    catalog: PriceCatalog | None = None,
) -> ReplayReport:
    """Replay ``trace`` under ``base`` and each ``compare`` spec applied to it.

    Args:
        trace: The requests (from :func:`advisor.simulate.inputs.load_trace`).
        base: The base scenario (:meth:`Scenario.from_options`).
        compare: ``key=value,...`` specs, each replayed as a variant of ``base``.
        memory_mb: Replay at this memory size (durations rescaled by the duration model);
            ``None``: the memory the trace was measured at.
        seed: Seed of every replay.
        catalog: The prices of the command's workspace (``None``: no cost).

    Raises:
        UsageError: a bad compare spec, or a memory size the trace cannot be moved to.
    """
    moved = at_memory(trace, memory_mb, seed=seed)
    base = base.at_memory(memory_mb if memory_mb is not None else moved.memory_mb)
    scenarios = [base, *(parse_scenario(spec, base) for spec in compare)]
    notes = []
    if not moved.knows_init and any(s.init_ms is None for s in scenarios):
        notes.append(NO_INIT_NOTE)
    if any(s.pings is not None for s in scenarios):
        notes.append(PINGS_NOTE)
    return ReplayReport(moved, run_scenarios(moved, scenarios, seed=seed, catalog=catalog), notes)
