"""The shapes inside a catalog file: figures, sources, and a validating view of YAML nodes.

Every figure is a mapping ``{value, unit, source, date}`` with optional ``verified``
(default true) and ``note``; ``source`` names an entry of the file's ``sources``.
A :class:`Node` knows its file and dotted key, so every problem it finds becomes an
:class:`~advisor.errors.InputError` naming both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from advisor.errors import InputError
from advisor.pricing.money import to_decimal

FIX_HINT: Final = "Fix that key in the catalog (see docs/pricing.md for the format)."


@dataclass(frozen=True)
class Source:
    """Where figures come from."""

    key: str
    title: str
    url: str | None
    date: str


@dataclass(frozen=True)
class Figure:
    """One number with its unit, source and date."""

    value: Decimal
    unit: str
    source: Source
    date: str
    verified: bool = True
    note: str | None = None


@dataclass(frozen=True)
class CatalogFile:
    """One loaded YAML catalog file."""

    path: Path
    family: str
    as_of: dt.date
    currency: str
    sources: Mapping[str, Source]
    root: Mapping[str, Any]
    override: bool

    def node(self) -> Node:
        """The root of the document as a validating :class:`Node`."""
        return Node(self, self.root, "")


class Node:
    """A value inside a catalog file that knows its file and key, for error messages."""

    def __init__(self, file: CatalogFile | Path, value: Any, path: str) -> None:
        self.file = file
        self.value = value
        self.path = path

    @property
    def filename(self) -> Path:
        """The file this node came from."""
        return self.file.path if isinstance(self.file, CatalogFile) else self.file

    def fail(self, problem: str) -> InputError:
        """An :class:`InputError` naming this node's file and key."""
        where = self.path or "(top level)"
        return InputError(f"price catalog {self.filename}: key '{where}': {problem}.", hint=FIX_HINT)

    def child(self, key: str | int, value: Any) -> Node:
        """A child node at ``key``."""
        path = f"{self.path}[{key}]" if isinstance(key, int) else (f"{self.path}.{key}" if self.path else key)
        return Node(self.file, value, path)

    def mapping(self) -> dict[str, Any]:
        """This value as a mapping (or fail)."""
        if not isinstance(self.value, dict):
            raise self.fail(f"expected a mapping, found {type(self.value).__name__}")
        return self.value

    def get(self, key: str, *, required: bool = True) -> Node | None:
        """The child at ``key``; ``None`` when absent and not required."""
        mapping = self.mapping()
        if key not in mapping or mapping[key] is None:
            if required:
                raise self.child(key, None).fail("is missing")
            return None
        return self.child(key, mapping[key])

    def req(self, key: str) -> Node:
        """The child at ``key``, which must be present."""
        node = self.get(key)
        assert node is not None
        return node

    def items(self) -> Iterator[tuple[str, Node]]:
        """The children of a mapping, keys as text."""
        for key, value in self.mapping().items():
            yield str(key), self.child(str(key), value)

    def elements(self) -> Iterator[Node]:
        """The children of a list."""
        if not isinstance(self.value, list):
            raise self.fail(f"expected a list, found {type(self.value).__name__}")
        for index, value in enumerate(self.value):
            yield self.child(index, value)

    def text(self) -> str:
        """This value as non-empty text (dates and numbers are accepted as written)."""
        if isinstance(self.value, (dict, list)) or self.value in (None, ""):
            raise self.fail("expected text")
        return str(self.value)

    def decimal(self, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
        """This value as an exact non-negative number."""
        try:
            number = to_decimal(self.value, what="value")
        except ValueError:
            raise self.fail(f"expected a number, found {self.value!r}") from None
        if minimum is not None and number < minimum:
            raise self.fail(f"must be at least {minimum}, found {number}")
        return number

    def integer(self, *, minimum: int = 0) -> int:
        """This value as a whole number."""
        number = self.decimal(minimum=Decimal(minimum))
        if number != number.to_integral_value():
            raise self.fail(f"expected a whole number, found {number}")
        return int(number)

    def boolean(self) -> bool:
        """This value as true/false."""
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, found {self.value!r}")
        return self.value

    def figure(self, unit: str | None = None) -> Figure:
        """This value as a :class:`Figure`, optionally checking its unit."""
        if not isinstance(self.file, CatalogFile):
            raise self.fail("figures need a loaded catalog")
        value = self.req("value").decimal()
        unit_text = self.req("unit").text()
        if unit is not None and unit_text != unit:
            raise self.child("unit", unit_text).fail(f"expected unit '{unit}', found '{unit_text}'")
        source_node = self.req("source")
        source = self.file.sources.get(source_node.text())
        if source is None:
            known = ", ".join(sorted(self.file.sources)) or "none"
            raise source_node.fail(f"unknown source '{source_node.value}' (sources: {known})")
        verified_node = self.get("verified", required=False)
        note_node = self.get("note", required=False)
        return Figure(
            value=value,
            unit=unit_text,
            source=source,
            date=self.req("date").text(),
            verified=verified_node.boolean() if verified_node else True,
            note=note_node.text() if note_node else None,
        )

    def optional_figure(self, key: str, unit: str | None = None) -> Figure | None:
        """The figure at ``key`` or ``None`` when absent."""
        node = self.get(key, required=False)
        return node.figure(unit) if node else None
