"""CSV exports, read a row at a time: the base of the console's and Logs Insights' CSV parsers.

A CSV parser says which characters may come before its header (:attr:`CsvParser.lead`) and
adds the rows of the CSV lines (:meth:`CsvParser.add_rows`); reading the whole text
(:meth:`~advisor.logs.Parser.parse`) and reading it in parts (:meth:`~advisor.logs.Parser.feed`)
are then the same code.
"""

from __future__ import annotations

import io
from abc import abstractmethod
from collections.abc import Callable, Iterable
from typing import ClassVar, TextIO

from advisor.logs._base import Parser, ParseResult
from advisor.logs.decoding import csv_lines, flushing
from advisor.logs.events import EventAssembler


class CsvParser(Parser):
    """A CSV export: one row is one unit."""

    unit = "row"
    #: Characters an export may start with before its header (left out, as ``str.lstrip``).
    lead: ClassVar[str] = ""

    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        assembler = EventAssembler(source)
        self.add_rows(assembler, csv_lines(io.StringIO(text, newline=""), self.lead), source=source)
        return assembler.result(self.name)

    def feed(self, assembler: EventAssembler, text: TextIO, *, source: str,
             flush: Callable[[], None]) -> None:
        self.add_rows(assembler, flushing(csv_lines(text, self.lead), flush), source=source)

    @abstractmethod
    def add_rows(self, assembler: EventAssembler, lines: Iterable[str], *, source: str) -> None:
        """Add the rows of the CSV ``lines`` (from the header on, line ends kept)."""
