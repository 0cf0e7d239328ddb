"""The parser contract shared by every log and trace format.

A :class:`Parser` has a ``name`` (what ``--format`` accepts), a cheap
:meth:`Parser.sniff` that looks at the head of a file, :meth:`Parser.parse`
that turns the whole text into a :class:`ParseResult`, and :meth:`Parser.feed` that reads
the same text as a stream, in parts, with bounded memory. Every input unit (a
physical line for text formats, an event for JSON containers, a row for CSV) is
accounted for: ``lines == parsed + ignored + len(rejected)``.

Free of pandas at import (the records are built by the parsers), so that the bulk import
path can name its results with :class:`Detection` without loading it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TextIO

from advisor import record
from advisor.logs.formats import Detection

if TYPE_CHECKING:
    import pandas as pd

    from advisor.logs.events import EventAssembler


@dataclass(frozen=True)
class LogEvent:
    """One CloudWatch log event as the API returns it.

    Attributes:
        timestamp_ms: Event time in epoch milliseconds (None when the source has none): an int
            from AWS, any JSON number from an export (:func:`advisor.units.epoch_ms_to_ns`
            refuses what is no time).
        message: The event text, exactly as logged (tabs and newlines kept).
        log_stream: The log stream (one execution environment), when known.
    """

    timestamp_ms: float | None
    message: str
    log_stream: str | None = None


@dataclass(frozen=True)
class Rejection:
    """An input unit that could not be used, and why."""

    file: str
    line: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"file": self.file, "line": self.line, "reason": self.reason}


@dataclass
class ParseResult:
    """What one parse produced: records plus the accounting of every input unit.

    Attributes:
        records: Record table (``advisor.record`` columns, conformed).
        rejected: Units that could not be used, with file, line and reason.
        lines: Input units seen (physical lines, events or rows, per format).
        parsed: Units that went into a record.
        ignored: Units that carry no invocation (START/END, application lines, ...).
        format: The detected or forced format name.
        function: Function name found in the input (``/aws/lambda/NAME``), if any.
        emulator: True when the input looks like local emulator (RIE / SAM local) output.
        kinds: When there are no records, what the units were (``START``: 4, ...).
        detections: For each file, the format it was read as and why.
    """

    records: pd.DataFrame
    rejected: list[Rejection]
    lines: int
    parsed: int
    ignored: int
    format: str
    function: str | None = None
    emulator: bool = False
    kinds: dict[str, int] = field(default_factory=dict)
    detections: list[Detection] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Line accounting and the number of records, JSON-ready."""
        return {
            "lines": self.lines,
            "parsed": self.parsed,
            "ignored": self.ignored,
            "rejected": len(self.rejected),
            "records": len(self.records),
        }


def empty_result(format_name: str) -> ParseResult:
    """A result with no records and no lines."""
    return ParseResult(record.empty_frame(), [], 0, 0, 0, format_name)


class Parser(ABC):
    """One input format.

    Subclasses set ``name`` and ``description`` and implement :meth:`sniff` and
    :meth:`parse`. Parsers never raise anything but :class:`~advisor.errors.AdvisorError`
    for bad input; a unit they cannot use becomes a :class:`Rejection`.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    #: What one input unit of the format is, in messages ("line", "event", "row").
    unit: ClassVar[str] = "line"
    #: Formats that describe invocations of several functions (traces) set this.
    is_trace: ClassVar[bool] = False

    @abstractmethod
    def sniff(self, head: str) -> str | None:
        """What in ``head`` (the first 64 KiB of a file) shows this format, or None.

        Decided by the content's structure (JSON keys and values, CSV header cells, the
        lines Lambda writes), whatever the whitespace, indentation and key order.
        """

    @abstractmethod
    def parse(self, text: str, *, source: str, function: str | None = None) -> ParseResult:
        """Parse the whole decoded text of one file named ``source``."""

    @abstractmethod
    def feed(self, assembler: EventAssembler, text: TextIO, *, source: str,
             flush: Callable[[], None]) -> None:
        """Parse the decoded text of one file named ``source`` as :meth:`parse` does, reading
        it from ``text`` in parts, into ``assembler`` (with :meth:`parse`'s records, counts
        and rejections). ``flush`` is called between parts; it may take the records collected
        so far out of ``assembler`` (:meth:`~advisor.logs.events.EventAssembler.drain`).

        ``text`` is read without newline translation (``newline=""``), as the file's bytes decode.

        Raises:
            AdvisorError: as :meth:`parse`.
            SplitTooLateError: the text cannot be read in parts (a JSON key the parser reads comes
                after a long array, see :mod:`advisor.logs.jsonstream`): parse it whole.
        """


class TraceParser(ABC):
    """One public trace format (arrivals and durations of many functions).

    Traces describe invocations rather than log them, so a trace parser reads a
    path (some traces are several sibling files) and may draw synthetic details
    (arrival times within a minute, durations from percentiles) with ``seed``.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    #: A format that does not say which function it measures (a generic CSV) sets this: its
    #: ``function`` argument is the name to give the records, and one is required.
    needs_name: ClassVar[bool] = False

    @abstractmethod
    def sniff(self, head: str) -> bool:
        """Return True when ``head`` (the first lines of a file) looks like this trace."""

    @abstractmethod
    def parse_path(self, path: Path, *, function: str | None, seed: int) -> ParseResult:
        """Read the trace at ``path``; ``function`` selects one function (a name or hash prefix)."""
