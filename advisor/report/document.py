"""The reports people read, as plain blocks that the Markdown and HTML writers both serialise.

A report is built once from a command's JSON document (:mod:`advisor.report.breakeven_doc`,
:mod:`advisor.report.recommend_doc`) into headings, paragraphs, lists and tables, with every
figure formatted here, so the Markdown and the HTML show the same numbers. A table cell that
shows a figure of the JSON names where it came from (:attr:`Cell.source`); the HTML writes it
as ``data-*`` attributes, and the browser test reads the page's figures back through them.
Charts are :class:`Chart` blocks holding a plotly figure as plain JSON; only the HTML draws them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

#: Amounts below this keep three significant figures instead of rounding to ``$0.00``.
SMALL_USD = 0.01
SMALL_USD_FIGURES = 3
MEETS, MISSES, BEST = "✓", "✗", "*"


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and, for a figure of the JSON, where it came from.

    Attributes:
        text: What the reader sees.
        source: ``data-*`` attributes naming the figure (e.g. ``{"field": "monthly_usd",
            "platform": "g5.xlarge", "factor": "1"}``); empty for labels.
    """

    text: str
    source: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``key`` names it in the HTML (``data-table``)."""

    key: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Paragraph:
    """Running text (no markup)."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A list of short lines; ``code`` lines are commands, shown verbatim."""

    items: tuple[str, ...]
    code: bool = False


@dataclass(frozen=True)
class Chart:
    """An interactive chart: a plotly figure (``data`` and ``layout``) as JSON, and its description.

    Attributes:
        key: The chart's element id in the HTML.
        figure: ``{"data": [...], "layout": {...}}`` as plotly.js takes it.
        description: What it shows, in words (for print and for readers of the Markdown).
    """

    key: str
    figure: Mapping[str, object]
    description: str


Block = Paragraph | Bullets | Table | Chart


@dataclass(frozen=True)
class Section:
    """A heading and its blocks."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """A whole report: title, a lead paragraph, sections in reading order."""

    title: str
    lead: str
    sections: tuple[Section, ...]


def usd(value: str | float | None, unknown: str = "n/a") -> str:
    """Dollars for reading: ``$1,234.57``; tiny amounts keep three significant figures (``$0.00123``)."""
    if value is None:
        return unknown
    amount = float(Decimal(value) if isinstance(value, str) else value)
    if 0 < abs(amount) < SMALL_USD:
        decimals = SMALL_USD_FIGURES - 1 - math.floor(math.log10(abs(amount)))
        return f"${amount:.{decimals}f}"
    return f"${amount:,.2f}"


def ms(value: float | None, unknown: str = "n/a") -> str:
    """Milliseconds to a tenth: ``62,321.0``; ``unknown`` for None."""
    return unknown if value is None else f"{value:,.1f}"


def count(value: float | None) -> str:
    """A count to the unit: ``435,805``."""
    return "n/a" if value is None else f"{value:,.0f}"


def share(value: float | None) -> str:
    """A fraction as a percentage to a tenth: ``23.8%``."""
    return "n/a" if value is None else f"{value * 100:.1f}%"


def factor(value: float) -> str:
    """A volume factor as the commands write it: ``x0.1``, ``x10``."""
    return f"x{value:g}"


def yes_no(value: bool | None) -> str:
    """``yes``/``no`` (``n/a`` for None): a word, never a colour."""
    return "n/a" if value is None else ("yes" if value else "no")
