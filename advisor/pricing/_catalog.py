"""Price catalogs: locate, load and validate the YAML files, merge user overrides.

A catalog is one YAML file per provider family (``aws-lambda.yaml``,
``aws-ec2.yaml``, ...). The bundled ones live in the repository's ``pricing/``
directory, shipped inside the wheel as ``advisor/_catalogs``. A user override
catalog with the same file name (written by ``advisor pricing refresh``, or by
hand) in ``~/.config/advisor/pricing/`` or in the workspace's ``pricing/``
directory replaces whole entries (a region, a provider) of the bundled one; the
workspace wins over the user config.

Every figure is a mapping ``{value, unit, source, date}`` with optional
``verified`` (default true) and ``note``; ``source`` names an entry of the file's
``sources``. Loading validates everything and a bad catalog raises
:class:`~advisor.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Generic, TypeVar, cast

import yaml

from advisor.errors import InputError, NotFoundError
from advisor.pricing._schema import FIX_HINT, CatalogFile, Figure, Node, Source

__all__ = [
    "Catalog", "CatalogFile", "Family", "Figure", "Node", "PriceCatalog", "Source", "load", "load_file", "read_file",
]

T = TypeVar("T")

#: Catalog directory inside an installed wheel (``pyproject.toml`` force-includes ``pricing/``).
PACKAGED_DIRNAME: Final = "_catalogs"
#: Catalog directory at the repository root (editable installs, the source tree).
SOURCE_DIRNAME: Final = "pricing"
#: Sub-directory holding override catalogs, in the workspace and in the user config dir.
OVERRIDE_DIRNAME: Final = "pricing"
#: A catalog older than this is reported as stale.
STALE_AFTER_DAYS: Final = 180
CATALOG_SUFFIX: Final = ".yaml"
#: libyaml's safe loader when PyYAML was built with it (6x faster), else the pure-Python one.
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Family(Generic[T]):
    """How to read one provider family's catalog."""

    name: str
    collection: str  # top-level key holding the entries: "regions", "providers"
    parse_entry: Callable[[Node], T]
    parse_settings: Callable[[Node], Mapping[str, Figure]] | None = None
    #: 2: an override replaces whole entries (a region); 3: it replaces items inside an entry
    #: (one instance type of a region), so a refresh of some instance types keeps the others.
    override_depth: int = 2
    #: Settings the merged catalog must define (checked against the bundled file).
    required_settings: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        """The catalog's file name."""
        return f"{self.name}{CATALOG_SUFFIX}"


@dataclass(frozen=True)
class Catalog(Generic[T]):
    """A family's entries after merging the bundled file with any overrides."""

    family: str
    files: tuple[CatalogFile, ...]
    entries: Mapping[str, T]
    origin: Mapping[str, CatalogFile]
    settings: Mapping[str, Figure] = field(default_factory=dict)

    def entry(self, key: str, *, what: str) -> T:
        """The entry at ``key`` or a :class:`NotFoundError` listing the known keys."""
        try:
            return self.entries[key]
        except KeyError:
            known = ", ".join(sorted(self.entries))
            raise NotFoundError(
                f"no {what} '{key}' in the {self.family} price catalog.",
                hint=f"Known: {known}.",
            ) from None

    def setting(self, name: str) -> Figure:
        """A family-wide figure (free tier, granularity)."""
        return self.settings[name]

    @property
    def as_of(self) -> dt.date:
        """The date of the newest file in use."""
        return max(f.as_of for f in self.files)

    @property
    def overridden(self) -> bool:
        """Whether a user override catalog is in use."""
        return any(f.override for f in self.files)


class PriceCatalog:
    """The price catalogs one command uses: the bundled files merged with the user's overrides.

    Made once per command from the workspace it works in (:meth:`for_workspace`) and handed to
    every function that prices something, so that ``-w DIR`` and ``ADVISOR_HOME=DIR`` price
    alike. Overrides in the user config directory apply first, then the workspace's.

    Args:
        override_dirs: Directories holding override catalogs, weakest first.
        workspace_dir: The workspace these prices belong to (``advisor pricing refresh`` writes
            its override catalogs there); ``None`` for the bundled prices alone.
    """

    def __init__(self, override_dirs: Sequence[Path] = (), workspace_dir: Path | None = None) -> None:
        self.override_dirs = tuple(override_dirs)
        self.workspace_dir = workspace_dir

    @classmethod
    def for_workspace(cls, workspace_dir: Path) -> PriceCatalog:
        """The prices of the workspace at ``workspace_dir``: bundled, user config, workspace."""
        return cls((user_config_dir() / OVERRIDE_DIRNAME, workspace_dir / OVERRIDE_DIRNAME), workspace_dir)

    @classmethod
    def bundled(cls) -> PriceCatalog:
        """The bundled prices alone, without any override."""
        return cls()

    @property
    def override_dir(self) -> Path | None:
        """Where this workspace's override catalogs live (``None`` without a workspace)."""
        return None if self.workspace_dir is None else self.workspace_dir / OVERRIDE_DIRNAME

    def load(self, family: Family[T]) -> Catalog[T]:
        """``family``'s catalog with this workspace's overrides merged in."""
        return load(family, self.override_dirs)

    def __repr__(self) -> str:
        return f"PriceCatalog(override_dirs={[str(d) for d in self.override_dirs]})"


def bundled_dir() -> Path:
    """The directory of the bundled catalogs: in the wheel, else the repository's ``pricing/``."""
    packaged = resources.files("advisor") / PACKAGED_DIRNAME
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / SOURCE_DIRNAME


def user_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/advisor`` or ``~/.config/advisor``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "advisor"


def catalog_files(family: Family[Any], override_dirs: Sequence[Path]) -> list[tuple[Path, bool]]:
    """The files to load for ``family``: the bundled one, then those in ``override_dirs`` that exist."""
    bundled = bundled_dir() / family.filename
    if not bundled.is_file():
        raise NotFoundError(f"bundled price catalog {bundled} is missing.", hint="Reinstall advisor.")
    found = [(bundled, False)]
    found += [(d / family.filename, True) for d in override_dirs if (d / family.filename).is_file()]
    return found


def read_file(path: Path, *, family: str, override: bool) -> CatalogFile:
    """Parse one YAML catalog file and validate its header."""
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=_YAML_LOADER)
    except OSError as exc:
        raise InputError(f"cannot read price catalog {path}: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise InputError(f"price catalog {path}{line} is not valid YAML.", hint=FIX_HINT) from None
    root = Node(path, document, "")
    root.mapping()
    found_family = root.req("family").text()
    if found_family != family:
        raise root.child("family", found_family).fail(f"expected '{family}'")
    as_of = _date(root.req("as_of"))
    sources = {key: _source(key, node) for key, node in root.req("sources").items()}
    return CatalogFile(
        path=path,
        family=family,
        as_of=as_of,
        currency=root.req("currency").text(),
        sources=sources,
        root=document,
        override=override,
    )


def load(family: Family[T], override_dirs: Sequence[Path] = ()) -> Catalog[T]:
    """Load ``family``'s bundled catalog merged with the overrides in ``override_dirs`` (cached by mtime)."""
    files = catalog_files(family, override_dirs)
    stamp = tuple((str(path), path.stat().st_mtime_ns, override) for path, override in files)
    key = (family.name, stamp)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _merge(family, [read_file(p, family=family.name, override=o) for p, o in files])
        _CACHE[key] = cached
    return cached


def load_file(family: Family[T], path: Path, *, override: bool = False) -> Catalog[T]:
    """Load and validate one catalog file on its own (an override may be partial)."""
    return _merge(family, [read_file(path, family=family.name, override=override)])


def figures(file: CatalogFile) -> Iterator[tuple[str, Figure]]:
    """Every figure in ``file`` with its dotted key, in file order."""
    yield from _walk(file.node())


def is_stale(as_of: dt.date, today: dt.date | None = None) -> bool:
    """Whether a catalog dated ``as_of`` is older than :data:`STALE_AFTER_DAYS`."""
    today = today or dt.datetime.now(dt.UTC).date()
    return (today - as_of).days > STALE_AFTER_DAYS


#: Parsed catalogs by family and the (path, mtime) of their files: a cache, not configuration.
_CACHE: dict[tuple[str, tuple[tuple[str, int, bool], ...]], Catalog[Any]] = {}


def _merge(family: Family[T], files: list[CatalogFile]) -> Catalog[T]:
    entries: dict[str, T] = {}
    origin: dict[str, CatalogFile] = {}
    settings: dict[str, Figure] = {}
    for file in files:
        root = file.node()
        collection = root.get(family.collection, required=not file.override)
        for key, node in collection.items() if collection else ():
            parsed = family.parse_entry(node)
            if family.override_depth > 2 and key in entries:
                parsed = cast(T, {**cast(dict, entries[key]), **cast(dict, parsed)})
            entries[key] = parsed
            origin[key] = file
        settings_node = root.get("settings", required=False)
        if settings_node is not None and family.parse_settings is not None:
            settings.update(family.parse_settings(settings_node))
    for name in family.required_settings if not files[0].override else ():
        if name not in settings:
            raise Node(files[0], None, f"settings.{name}").fail("is missing")
    return Catalog(family.name, tuple(files), entries, origin, settings)


def _walk(node: Node) -> Iterator[tuple[str, Figure]]:
    if isinstance(node.value, dict):
        if "value" in node.value and "source" in node.value:
            yield node.path, node.figure()
            return
        for _, child in node.items():
            yield from _walk(child)
    elif isinstance(node.value, list):
        for child in node.elements():
            yield from _walk(child)


def _date(node: Node) -> dt.date:
    value = node.value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(node.text())
    except ValueError:
        raise node.fail(f"expected a date YYYY-MM-DD, found {value!r}") from None


def _source(key: str, node: Node) -> Source:
    url = node.get("url", required=False)
    return Source(
        key=key,
        title=node.req("title").text(),
        url=url.text() if url else None,
        date=node.req("date").text(),
    )
