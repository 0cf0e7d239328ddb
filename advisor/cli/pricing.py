"""CLI commands: ``advisor pricing show | cost | refresh``."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Annotated, Optional

import typer
from rich.table import Table

from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import JsonOption, WorkspaceOption
from advisor.errors import UsageError
from advisor.pricing import _catalog
from advisor.pricing._money import usd_text
from advisor.pricing.estimate import lambda_estimate
from advisor.pricing.instances import instance, instance_cost
from advisor.pricing.listing import describe
from advisor.pricing.refresh import refresh

pricing_app = typer.Typer(help="Price catalogs and cost what-ifs (Lambda, GPU instances, serverless GPU).", no_args_is_help=True)

RegionOption = Annotated[Optional[str], typer.Option("--region", help="AWS region (default us-east-1).")]


def register(app: typer.Typer) -> None:
    """Add the ``pricing`` command group to ``app``."""
    app.add_typer(pricing_app, name="pricing")


@pricing_app.command("show")
def show(
    provider: Annotated[Optional[str], typer.Option("--provider", help="Catalog or provider: lambda, aws-ec2, modal, ...")] = None,
    region: RegionOption = None,
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the prices in use with their sources and dates."""
    with _catalog.using_workspace(workspace):
        views = describe(provider, region)
    for view in views:
        if view.stale:
            error_console().print(
                f"warning: the {view.family} catalog is dated {view.as_of} ({view.age_days} days old); "
                "run `advisor pricing refresh` or check its sources.",
                markup=False,
            )
    if json_output:
        emit_json({"catalogs": [_view_json(v) for v in views]})
        return
    out = console()
    for view in views:
        files = ", ".join(f"{f.path.name}{' (override)' if f.override else ''}" for f in view.files)
        table = Table(title=f"{view.family}, as of {view.as_of} ({files})", title_justify="left", expand=False)
        table.add_column("key", overflow="fold")
        table.add_column("price", no_wrap=True)
        table.add_column("source", no_wrap=True)
        table.add_column("date", no_wrap=True)
        table.add_column("?", no_wrap=True)
        for row in view.rows:
            f = row.figure
            price = f"{_plain(f.value)} {f.unit}"
            table.add_row(_short(row.key), price, f.source.key, f.date, "" if f.verified else "?")
        out.print(table)
    sources = {(r.figure.source.key, r.figure.source.title) for v in views for r in v.rows}
    out.print("? = not verified against a second source or derived (see the note in the catalog)")
    for key, title in sorted(sources):
        out.print(f"{key}: {title}", overflow="fold")


@pricing_app.command("cost")
def cost(
    memory: Annotated[Optional[int], typer.Option("--memory", help="Lambda memory, MB.")] = None,
    duration_ms: Annotated[Optional[float], typer.Option("--duration-ms", help="Duration per invocation, ms.")] = None,
    arch: Annotated[str, typer.Option("--arch", help="x86_64 or arm64.")] = "x86_64",
    region: RegionOption = None,
    invocations: Annotated[Optional[int], typer.Option("--invocations", help="Invocations in the month.")] = None,
    free_tier: Annotated[bool, typer.Option("--free-tier", help="Subtract the monthly free tier.")] = False,
    provisioned: Annotated[Optional[int], typer.Option("--provisioned", help="Provisioned concurrency instances.")] = None,
    hours: Annotated[Optional[float], typer.Option("--hours", help="Hours of provisioned concurrency or of the instance.")] = None,
    instance_type: Annotated[Optional[str], typer.Option("--instance", help="Dedicated instance type, e.g. g4dn.xlarge.")] = None,
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Cost of a Lambda configuration (per invocation or for N) or of a dedicated instance."""
    region = region or "us-east-1"
    if instance_type is not None:
        if hours is None or memory is not None or duration_ms is not None:
            raise UsageError("--instance takes --hours (and --region), not Lambda options.")
        with _catalog.using_workspace(workspace):
            _instance_cost(instance_type, hours, region, json_output)
        return
    if memory is None or duration_ms is None:
        raise UsageError("give --memory and --duration-ms (or --instance TYPE --hours H).")
    with _catalog.using_workspace(workspace):
        estimate = lambda_estimate(
            memory, duration_ms, arch=arch, region=region, invocations=invocations,
            free_tier=free_tier, provisioned=provisioned, hours=hours,
        )
    document = {
        "region": region, "arch": arch, "memory_mb": memory, "billed_duration_ms": estimate.billed_duration_ms,
        "invocations": invocations, "free_tier": free_tier, "provisioned": provisioned, "hours": hours,
        **estimate.cost.to_json(),
    }
    if json_output:
        emit_json(document)
        return
    basis = f"{invocations:,} invocations" if invocations is not None else "one invocation"
    out = console()
    out.print(f"Lambda {memory} MB {arch} in {region}, {estimate.billed_duration_ms} ms billed, {basis}")
    table = Table()
    table.add_column("component")
    table.add_column("USD", justify="right")
    for key in ("compute_usd", "requests_usd", "provisioned_usd", "total_usd"):
        table.add_row(key.removesuffix("_usd"), document[key])
    out.print(table)


def _instance_cost(instance_type: str, hours: float, region: str, json_output: bool) -> None:
    spec = instance(instance_type, region=region)
    total = instance_cost(instance_type, hours, region=region)
    document = {
        "instance_type": instance_type, "region": region, "hours": hours, "gpu": spec.gpu, "gpus": spec.gpus,
        "hourly_usd": usd_text(spec.hourly.value), "total_usd": usd_text(total),
    }
    if json_output:
        emit_json(document)
        return
    console().print(
        f"{instance_type} ({spec.gpus}x {spec.gpu}) in {region}: {hours:g} h x ${document['hourly_usd']}/h "
        f"= ${document['total_usd']}  (source: {spec.hourly.source.key}, {spec.hourly.date})"
    )


@pricing_app.command("refresh")
def refresh_command(region: RegionOption = None, workspace: WorkspaceOption = None, json_output: JsonOption = False) -> None:
    """Fetch current Lambda and EC2 prices from the AWS Price List API into an override catalog."""
    with _catalog.using_workspace(workspace):
        if json_output or not sys.stderr.isatty():
            result = refresh(region or "us-east-1")
        else:
            with error_console().status("asking the AWS Price List API") as status:
                result = refresh(region or "us-east-1", progress=status.update)
    changes = [
        {"catalog": c.catalog, "key": c.key, "old": _text(c.old), "new": _text(c.new)} for c in result.changes
    ]
    if json_output:
        emit_json({"region": result.region, "as_of": result.as_of.isoformat(), "files": [str(p) for p in result.files],
                   "changes": changes, "unchanged": result.unchanged})
        return
    out = console()
    out.print(f"wrote {', '.join(str(p) for p in result.files)} (as of {result.as_of})")
    if not changes:
        out.print(f"no price changed against the bundled catalog ({result.unchanged} figures checked).")
        return
    table = Table(title=f"changed against the bundled catalog ({result.unchanged} unchanged)", title_justify="left")
    for column in ("catalog", "key", "bundled", "refreshed"):
        table.add_column(column, overflow="fold")
    for change in changes:
        table.add_row(change["catalog"], change["key"], change["old"] or "-", change["new"] or "-")
    out.print(table)


def _view_json(view) -> dict:  # type: ignore[no-untyped-def]
    return {
        "family": view.family,
        "as_of": view.as_of.isoformat(),
        "stale": view.stale,
        "files": [{"path": str(f.path), "as_of": f.as_of.isoformat(), "override": f.override} for f in view.files],
        "figures": [
            {
                "key": r.key, "value": _plain(r.figure.value), "unit": r.figure.unit, "source": r.figure.source.key,
                "source_title": r.figure.source.title, "url": r.figure.source.url, "date": r.figure.date,
                "verified": r.figure.verified, "note": r.figure.note,
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


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value)
