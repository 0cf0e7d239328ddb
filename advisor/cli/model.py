"""CLI commands: ``advisor model fit`` and ``advisor model predict``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from advisor.cli._console import console, emit_json
from advisor.cli._options import JsonOption, WorkspaceOption
from advisor.context import Context
from advisor.errors import UsageError
from advisor.models.forms import PRESSURE_ONSET
from advisor.models.samples import load_samples
from advisor.models.summary import ModelSummary, summarize
from advisor.platform.aws_lambda import ARCHITECTURES, DEFAULT_ARCH, MEMORY, check_memory_mb
from advisor.report.chart import chart, renderable

model_app = typer.Typer(
    help="Fit duration and cold-start models against memory; predict other memory sizes.",
    no_args_is_help=True,
)

FunctionArg = Annotated[
    Optional[str], typer.Argument(help="Function in the workspace.", show_default=False)
]
DataOption = Annotated[
    Optional[Path],
    typer.Option(
        "--data", help="Measurement CSV: memory_mb, duration_ms[, init_ms].", show_default=False
    ),
]
ArchOption = Annotated[
    Optional[str],
    typer.Option(
        "--arch",
        help=f"Architecture for prices: {', '.join(ARCHITECTURES)} (default: the function's, else {DEFAULT_ARCH}).",
        metavar="ARCH",
        show_default=False,
    ),
]
#: CV errors above this are shown as ">999%" in the report.
MAX_SHOWN_PERCENT = 999.0
PREDICT_KEYS = ("memory_mb", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "interval_ms",
                "gb_s", "cost_usd", "fails", "init_ms", "memory_load")


def parse_memory_list(text: str) -> list[int]:
    """``"128,512,1769"`` -> ``[128, 512, 1769]``; UsageError naming a bad value."""
    sizes = []
    for item in text.split(","):
        value = item.strip()
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--memory value {value!r} is not a number of MB.",
                             hint=f"Give sizes like --memory 128,512,1769,3008 ({MEMORY.help_text()}).") from None
        sizes.append(check_memory_mb(number))
    return sizes


def _fit(function: str | None, data: Path | None, workspace: Path | None, arch: str | None,
         memory: list[int] | None) -> ModelSummary:
    context = Context.of(workspace)
    samples, known_arch = load_samples(function, data, context.path)
    return summarize(samples, memory, catalog=context.prices, arch=arch or known_arch or DEFAULT_ARCH)


@model_app.command("fit")
def fit_command(
    function: FunctionArg = None,
    data: DataOption = None,
    arch: ArchOption = None,
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Fit the duration model: chosen form, parameters, CV error per form, and a chart."""
    summary = _fit(function, data, workspace, arch, None)
    if json_output:
        emit_json(summary.to_dict())
        return
    render_fit(summary)


@model_app.command("predict")
def predict_command(
    memory: Annotated[str, typer.Option("--memory", help="Memory sizes (MB), comma-separated.")],
    function: FunctionArg = None,
    data: DataOption = None,
    arch: ArchOption = None,
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Fit, then predict mean, quantiles and 90% interval of duration at --memory sizes."""
    summary = _fit(function, data, workspace, arch, parse_memory_list(memory))
    doc = summary.to_dict()
    rows = [{k: row[k] for k in PREDICT_KEYS} for row in doc["predictions"]]
    if json_output:
        emit_json({"model": summary.model, "cv_error": summary.cv_error, "predictions": rows})
        return
    console().print(_prediction_table(summary))


def render_fit(summary: ModelSummary) -> None:
    """Print the fit report: form, parameters, CV table, charts, predictions."""
    out = console()
    out.print(f"Model: {summary.model}  ({summary.formula})")
    out.print(f"Fitted on {summary.samples} samples at {len(summary.measured)} memory sizes; "
              f"CV error (leave one size out, MAPE of the mean): {summary.cv_error:.1f}%")
    params = ", ".join(f"{k}={v:.4g}" for k, v in summary.params.items())
    out.print(f"Parameters: {params}")
    if summary.working_set_mb is not None:
        out.print(f"Working set: {summary.working_set_mb:.0f} MB "
                  "(sizes at or below it risk running out of memory)")
    if summary.coldstart is not None:
        out.print(f"Cold start: {summary.coldstart['model']} "
                  f"(CV error {summary.coldstart['cv_error']:.1f}%)")
    else:
        out.print(f"Cold start: n/a ({summary.coldstart_note})")
    cv = Table(title="Leave-one-memory-size-out cross-validation")
    for name in ("form", "params", "CV MAPE", "chosen"):
        cv.add_column(name, justify="left" if name == "form" else "right")
    for row in summary.cv:
        cv.add_row(row["form"], str(row["n_params"]), _percent(row["cv_mape"]),
                   "yes" if row["form"] == summary.model
                   else "" if row["physical"] else "outside physics")
    out.print(cv)
    measured = [(p.memory_mb, p.mean_ms) for p in summary.measured]
    out.print(renderable(chart("Mean duration (ms) vs memory; ● measured, · model",
                            [(m, t) for m, t, _ in summary.curve], measured, fmt=lambda v: f"{v:,.0f}")))
    out.print(renderable(chart("Cost per invocation (USD) vs memory; ● measured, · model",
                            [(m, c) for m, _, c in summary.curve],
                            [(p.memory_mb, p.cost_usd) for p in summary.measured],
                            fmt=lambda v: f"{v:.2e}")))
    out.print(_prediction_table(summary))


def _percent(value: float) -> str:
    # Underdetermined folds of a flexible form can extrapolate absurdly; the JSON keeps it.
    return f"{value:.1f}%" if value < MAX_SHOWN_PERCENT else f">{MAX_SHOWN_PERCENT:.0f}%"


def _prediction_table(summary: ModelSummary) -> Table:
    table = Table(title="Predicted duration per invocation (ms); interval: 90% for one invocation")
    for name in ("memory MB", "mean", "p50", "p95", "p99", "90% interval", "cost USD", "note"):
        table.add_column(name, justify="right")
    for p in summary.predictions:
        note = "OOM risk" if p.fails else ("measured" if p.measured else "")
        if not p.fails and p.memory_load is not None and p.memory_load > PRESSURE_ONSET:
            note = f"{note}, tight memory" if note else "tight memory"
        table.add_row(
            str(p.memory_mb), f"{p.mean_ms:,.0f}", f"{p.p50_ms:,.0f}", f"{p.p95_ms:,.0f}",
            f"{p.p99_ms:,.0f}", f"{p.interval_ms[0]:,.0f}-{p.interval_ms[1]:,.0f}",
            f"{p.cost_usd:.3e}", note,
        )
    return table


def register(app: typer.Typer) -> None:
    """Add the ``model`` command group to ``app``."""
    app.add_typer(model_app, name="model")
