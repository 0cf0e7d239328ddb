"""Terminal reports of ``advisor import powertuning`` and ``advisor export powertuning-url``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from advisor.cli._console import console

if TYPE_CHECKING:
    from advisor.powertuning.export import PowerTuningExport
    from advisor.powertuning.importing import PowerTuningImport

#: How an unknown figure of Power Tuning's is shown, and why it is unknown.
_NO_ARCH = "n/a architecture: Power Tuning does not record the architecture (give --arch)"
_NO_COST = "n/a cost: the input has no averagePrice for that size"
_NO_COUNT = "n/a invocations: the input does not say how many invocations each size's mean is over"


def render_import(outcome: PowerTuningImport) -> None:
    """What was read from each input, per size, and what was stored."""
    out = console()
    out.print(f"[bold]import powertuning[/bold] {outcome.function}: {outcome.sizes} sizes from "
              f"{len(outcome.inputs)} input{'s' if len(outcome.inputs) != 1 else ''}")
    for parsed in outcome.inputs:
        out.print(f"read {parsed.source} as {parsed.format}: {parsed.reason}", markup=False, soft_wrap=True)
        table = Table()
        for name in ("architecture", "memory MB", "mean ms", "cost / invocation", "invocations"):
            table.add_column(name, justify="left" if name == "architecture" else "right")
        for size in parsed.sizes:
            cost = "n/a" if size.cost is None else f"{size.cost:.4g} {size.currency}"
            count = "n/a" if size.invocations is None else f"{size.invocations:,}"
            table.add_row(size.architecture or "n/a", f"{size.memory_mb:,}", f"{size.mean_duration_ms:,.2f}",
                          cost, count)
        out.print(table)
        for note, missing in ((_NO_ARCH, any(s.architecture is None for s in parsed.sizes)),
                              (_NO_COUNT, any(s.invocations is None for s in parsed.sizes)),
                              (_NO_COST, any(s.cost is None for s in parsed.sizes))):
            if missing:
                out.print(note, markup=False)
    if outcome.summary is None:
        out.print("stored: nothing (dry run)")
    else:
        out.print(f"added {outcome.summary.added:,}, duplicates {outcome.summary.duplicates:,} "
                  "(advisor recommend and advisor model fit use them)")


def render_export(export: PowerTuningExport) -> None:
    """The URL on a line of its own, then the figures it holds."""
    out = console()
    out.print(export.url, markup=False, soft_wrap=True)
    table = Table(title=f"{export.function} ({export.region}): mean duration and compute cost per invocation")
    for name in ("architecture", "memory MB", "invocations", "mean ms", "cost USD"):
        table.add_column(name, justify="left" if name == "architecture" else "right")
    for size in export.sizes:
        counts = ", ".join(f"{n:,} {source}" for source, n in size.invocations.items() if n)
        table.add_row(size.architecture, f"{size.memory_mb:,}", counts, f"{size.mean_duration_ms:,.2f}",
                      f"{size.cost_usd:.4g}")
    out.print(table)
