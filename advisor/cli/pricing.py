"""CLI commands: ``advisor pricing show | cost | refresh``.

Money is printed as exact decimal strings (see docs/pricing.md), in tables and JSON alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from advisor import limits
from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import JsonOption, WorkspaceOption, memory_option, number_option
from advisor.context import Context
from advisor.errors import UsageError
from advisor.platform.aws_lambda import ARCHITECTURES, DEFAULT_ARCH, DEFAULT_REGION
from advisor.pricing import PriceCatalog
from advisor.pricing.estimate import LambdaEstimate, lambda_estimate
from advisor.pricing.instances import instance, instance_cost
from advisor.pricing.listing import CatalogView, describe
from advisor.pricing.money import plain_text, usd_text
from advisor.pricing.refresh import RefreshResult, refresh

COST_KEYS = ("compute_usd", "requests_usd", "provisioned_usd", "total_usd")

pricing_app = typer.Typer(
    help="Price catalogs and cost what-ifs (Lambda, GPU instances, serverless GPU).", no_args_is_help=True
)
RegionOption = Annotated[Optional[str], typer.Option(
    "--region", help=f"AWS region (default {DEFAULT_REGION}).", metavar="REGION", show_default=False)]
ProviderOption = Annotated[
    Optional[str], typer.Option("--provider", help="Catalog or provider: lambda, aws-ec2, cloud-run, modal, ...")
]


def register(app: typer.Typer) -> None:
    """Add the ``pricing`` command group to ``app``."""
    app.add_typer(pricing_app, name="pricing")


@pricing_app.command("show")
def show(
    provider: ProviderOption = None,
    region: RegionOption = None,
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the prices in use with their sources and dates."""
    views = describe(Context.of(workspace).prices, provider, region)
    _warn_stale(views)
    if json_output:
        emit_json({"catalogs": [_view_json(view) for view in views]})
    else:
        _render_views(views)


@pricing_app.command("cost")
def cost(
    memory: Annotated[Optional[int], memory_option("Lambda memory size")] = None,
    duration_ms: Annotated[Optional[float], number_option(
        "--duration-ms", limits.DURATION_MS, "Duration per invocation", metavar="MS", optional=True)] = None,
    arch: Annotated[str, typer.Option("--arch", help=f"{' or '.join(ARCHITECTURES)}.", metavar="ARCH")] = DEFAULT_ARCH,
    region: RegionOption = None,
    invocations: Annotated[Optional[int], number_option(
        "--invocations", limits.INVOCATIONS, "Invocations in one month", optional=True)] = None,
    free_tier: Annotated[bool, typer.Option("--free-tier", help="Subtract the monthly free tier.")] = False,
    provisioned: Annotated[Optional[int], number_option(
        "--provisioned", limits.INSTANCES, "Provisioned instances", optional=True)] = None,
    hours: Annotated[Optional[float], number_option(
        "--hours", limits.HOURS, "Hours provisioned, or of the instance", metavar="H", optional=True)] = None,
    instance_type: Annotated[Optional[str], typer.Option(
        "--instance", help="Dedicated instance, e.g. g4dn.xlarge.", metavar="TYPE", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Cost of a Lambda configuration (per invocation, or for N) or of a dedicated instance."""
    region = region or DEFAULT_REGION
    prices = Context.of(workspace).prices
    if instance_type is not None:
        if hours is None or memory is not None or duration_ms is not None:
            raise UsageError("--instance takes --hours (and --region), not Lambda options.")
        _emit(json_output, _instance_json(instance_type, hours, region, prices), _render_instance)
        return
    if memory is None or duration_ms is None:
        raise UsageError("give --memory and --duration-ms (or --instance TYPE --hours H).")
    estimate = lambda_estimate(
        memory, duration_ms, catalog=prices, arch=arch, region=region, invocations=invocations,
        free_tier=free_tier, provisioned=provisioned, hours=hours,
    )
    _emit(json_output, _estimate_json(estimate), lambda _: _render_estimate(estimate))


@pricing_app.command("refresh")
def refresh_command(
    region: RegionOption = None, workspace: WorkspaceOption = None, json_output: JsonOption = False
) -> None:
    """Fetch current Lambda and EC2 prices from the AWS Price List API into an override catalog."""
    target = Context.of(workspace).prices.override_dir
    assert target is not None  # a workspace's catalog always has one
    if json_output or not sys.stderr.isatty():
        result = refresh(region or DEFAULT_REGION, target_dir=target)
    else:
        with error_console().status("asking the AWS Price List API") as status:
            result = refresh(region or DEFAULT_REGION, target_dir=target, progress=status.update)
    _emit(json_output, _refresh_json(result), lambda _: _render_refresh(result))


def _emit(json_output: bool, document: dict[str, Any], render: Callable[[dict[str, Any]], None]) -> None:
    """Print ``document`` as JSON, or hand it to ``render``."""
    if json_output:
        emit_json(document)
    else:
        render(document)


def _warn_stale(views: list[CatalogView]) -> None:
    for view in views:
        if view.stale:
            error_console().print(
                f"warning: the {view.family} catalog is dated {view.as_of} ({view.age_days} days old); "
                "run `advisor pricing refresh` or check its sources.",
                markup=False,
            )


def _render_views(views: list[CatalogView]) -> None:
    out = console()
    for view in views:
        files = ", ".join(f"{f.path.name}{' (override)' if f.override else ''}" for f in view.files)
        table = Table(title=f"{view.family}, as of {view.as_of} ({files})", title_justify="left")
        table.add_column("key", overflow="fold")
        for column in ("price", "source", "date", "?"):
            table.add_column(column, no_wrap=True)
        for row in view.rows:
            f = row.figure
            table.add_row(_short(row.key), f"{plain_text(f.value)} {f.unit}", f.source.key, f.date,
                          "" if f.verified else "?")
        out.print(table)
    out.print("? = not verified against a second source, or derived (see the note in the catalog)")
    for key, title in sorted({(r.figure.source.key, r.figure.source.title) for v in views for r in v.rows}):
        out.print(f"{key}: {title}", overflow="fold")


def _view_json(view: CatalogView) -> dict[str, Any]:
    return {
        "family": view.family,
        "as_of": view.as_of.isoformat(),
        "stale": view.stale,
        "files": [{"path": str(f.path), "as_of": f.as_of.isoformat(), "override": f.override} for f in view.files],
        "figures": [
            {
                "key": r.key, "value": plain_text(r.figure.value), "unit": r.figure.unit,
                "source": r.figure.source.key, "source_title": r.figure.source.title, "url": r.figure.source.url,
                "date": r.figure.date, "verified": r.figure.verified, "note": r.figure.note,
            }
            for r in view.rows
        ],
    }


def _short(key: str) -> str:
    """A figure's key for the table: without the collection name, tiers numbered from 1."""
    head, _, rest = key.partition(".")
    key = rest if head in ("regions", "providers", "settings") and rest else key
    for index in range(9):
        key = key.replace(f"duration_tiers[{index}].price", f"duration.tier{index + 1}")
    return key


def _estimate_json(estimate: LambdaEstimate) -> dict[str, Any]:
    return {
        "region": estimate.region, "arch": estimate.arch, "memory_mb": estimate.memory_mb,
        "billed_duration_ms": estimate.billed_duration_ms, "invocations": estimate.invocations,
        "free_tier": estimate.free_tier, "provisioned": estimate.provisioned, "hours": estimate.hours,
        **estimate.cost.to_json(),
    }


def _render_estimate(estimate: LambdaEstimate) -> None:
    basis = f"{estimate.invocations:,} invocations" if estimate.invocations is not None else "one invocation"
    out = console()
    out.print(
        f"Lambda {estimate.memory_mb} MB {estimate.arch} in {estimate.region}, "
        f"{estimate.billed_duration_ms} ms billed, {basis}"
    )
    table = Table()
    table.add_column("component")
    table.add_column("USD", justify="right")
    amounts = estimate.cost.to_json()
    for key in COST_KEYS:
        table.add_row(key.removesuffix("_usd"), amounts[key])
    out.print(table)


def _instance_json(instance_type: str, hours: float, region: str, prices: PriceCatalog) -> dict[str, Any]:
    spec = instance(instance_type, catalog=prices, region=region)
    total = instance_cost(instance_type, hours, catalog=prices, region=region)
    return {
        "instance_type": instance_type, "region": region, "hours": hours, "gpu": spec.gpu, "gpus": spec.gpus,
        "hourly_usd": usd_text(spec.hourly.value), "total_usd": usd_text(total),
        "source": spec.hourly.source.key, "date": spec.hourly.date,
    }


def _render_instance(document: dict[str, Any]) -> None:
    console().print(
        f"{document['instance_type']} ({document['gpus']}x {document['gpu']}) in {document['region']}: "
        f"{document['hours']:g} h x ${document['hourly_usd']}/h = ${document['total_usd']}  "
        f"(source: {document['source']}, {document['date']})"
    )


def _refresh_json(result: RefreshResult) -> dict[str, Any]:
    return {
        "region": result.region,
        "as_of": result.as_of.isoformat(),
        "files": [str(p) for p in result.files],
        "changes": [
            {"catalog": c.catalog, "key": c.key, "old": c.old and plain_text(c.old), "new": c.new and plain_text(c.new)}
            for c in result.changes
        ],
        "unchanged": result.unchanged,
        "kept": result.kept,
    }


def _render_refresh(result: RefreshResult) -> None:
    out = console()
    out.print(f"wrote {', '.join(str(p) for p in result.files)} (as of {result.as_of})")
    if result.kept:
        out.print(f"not in the Price List answer, bundled figures kept: {', '.join(result.kept)}", overflow="fold")
    if not result.changes:
        out.print(f"no price changed against the bundled catalog ({result.unchanged} figures checked).")
        return
    table = Table(title=f"changed against the bundled catalog ({result.unchanged} unchanged)", title_justify="left")
    for column in ("catalog", "key", "bundled", "refreshed"):
        table.add_column(column, overflow="fold")
    for change in result.changes:
        old = plain_text(change.old) if change.old is not None else "-"
        new = plain_text(change.new) if change.new is not None else "-"
        table.add_row(change.catalog, change.key, old, new)
    out.print(table)
