"""Every catalog in use, flattened to dated, sourced rows (for ``advisor pricing show``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from advisor.errors import NotFoundError
from advisor.pricing import _catalog, cloud_run, instances, lambda_, serverless_gpu
from advisor.pricing._catalog import Family, Figure, PriceCatalog

#: Every provider family, in display order.
FAMILIES: Final[tuple[Family[Any], ...]] = (
    lambda_.FAMILY,
    instances.EC2,
    instances.SAGEMAKER,
    cloud_run.FAMILY,
    serverless_gpu.FAMILY,
)


@dataclass(frozen=True)
class Row:
    """One figure with the key that locates it."""

    key: str
    figure: Figure
    file: Path


@dataclass(frozen=True)
class CatalogView:
    """One family's catalog as shown to a user."""

    family: str
    as_of: dt.date
    stale: bool
    age_days: int
    files: tuple[_catalog.CatalogFile, ...]
    rows: tuple[Row, ...]


def load_all(catalog: PriceCatalog) -> list[_catalog.Catalog[Any]]:
    """Load and validate every catalog of ``catalog`` (bundled and overrides)."""
    return [catalog.load(family) for family in FAMILIES]


def describe(
    catalog: PriceCatalog, provider: str | None = None, region: str | None = None, *, today: dt.date | None = None
) -> list[CatalogView]:
    """The catalogs in use, optionally narrowed to a provider family (or provider) and a region.

    Args:
        catalog: The prices of the command's workspace.
        provider: A family name or part of one (``lambda``, ``aws-ec2``), or a serverless
            GPU provider (``modal``).
        region: Keep only entries of this region (family-wide settings stay).
        today: Reference date for staleness.

    Raises:
        NotFoundError: Nothing matches ``provider``/``region``.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    views = []
    for family in FAMILIES:
        loaded = catalog.load(family)
        rows = [row for row in _rows(family, loaded) if _keep(row.key, family, provider, region)]
        entries = [row for row in rows if row.key.startswith(f"{family.collection}.")]
        if entries and _family_matches(family, provider, rows):
            age = (today - loaded.as_of).days
            stale = _catalog.is_stale(loaded.as_of, today)
            views.append(CatalogView(family.name, loaded.as_of, stale, age, loaded.files, tuple(rows)))
    if not views:
        wanted = " ".join(x for x in (provider and f"provider '{provider}'", region and f"region '{region}'") if x)
        known = ", ".join(f.name for f in FAMILIES)
        raise NotFoundError(f"no prices match {wanted}.", hint=f"Catalogs: {known}.")
    return views


def _rows(family: Family[Any], catalog: _catalog.Catalog[Any]) -> list[Row]:
    """Rows from each file, hiding those a later file overrides (whole entries or items)."""
    rows = []
    for index, file in enumerate(catalog.files):
        hidden = tuple(p for later in catalog.files[index + 1 :] for p in _provided(family, later))
        rows += [Row(k, f, file.path) for k, f in _catalog.figures(file) if not f"{k}.".startswith(hidden or ("\0",))]
    return rows


def _provided(family: Family[Any], file: _catalog.CatalogFile) -> list[str]:
    """Key prefixes of what ``file`` replaces: its entries, or the items inside them (depth 3)."""
    entries = file.root.get(family.collection) or {}
    settings = [f"settings.{name}." for name in file.root.get("settings") or {}]
    if family.override_depth <= 2:
        return settings + [f"{family.collection}.{entry}." for entry in entries]
    return settings + [f"{family.collection}.{e}.{item}." for e, items in entries.items() for item in items or {}]


def _keep(key: str, family: Family[Any], provider: str | None, region: str | None) -> bool:
    parts = key.split(".")
    in_collection = parts[0] == family.collection
    if region and in_collection and family.collection == "regions" and parts[1] != region:
        return False
    if region and family.collection != "regions":
        return False
    if provider and family.collection == "providers" and provider not in family.name and in_collection:
        return parts[1] == provider.lower()
    return True


def _family_matches(family: Family[Any], provider: str | None, rows: list[Row]) -> bool:
    if not provider:
        return True
    needle = provider.lower()
    if needle in family.name:
        return True
    providers = (r.key.split(".")[1] for r in rows if r.key.startswith("providers."))
    return family.collection == "providers" and needle in providers
