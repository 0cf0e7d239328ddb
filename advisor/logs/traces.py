"""Public traces and generic CSV: detection and reading (``advisor import trace``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from advisor import record
from advisor.errors import InputError, UsageError
from advisor.logs._base import ParseResult, TraceParser
from advisor.logs.azure2019 import Azure2019Parser
from advisor.logs.azure2021 import Azure2021Parser
from advisor.logs.azure_llm import AzureLlmParser
from advisor.logs.generic_csv import GenericCsvParser, read_arrival_column
from advisor.logs.reader import check, read_text
from advisor.logs.sniffing import HEAD_BYTES

TRACE_PARSERS: tuple[TraceParser, ...] = (
    Azure2019Parser(), Azure2021Parser(), AzureLlmParser(), GenericCsvParser())
TRACE_FORMATS: dict[str, TraceParser] = {parser.name: parser for parser in TRACE_PARSERS}


def trace_format_names() -> str:
    """The trace ``--format`` names, comma-separated."""
    return ", ".join(TRACE_FORMATS)


def read_traces(paths: Sequence[Path], *, format: str | None = None, function: str | None = None,
                seed: int = 0, strict: bool = False, default_name: str | None = None) -> ParseResult:
    """Read public traces or generic CSV files into records.

    Args:
        paths: Trace files (for Azure 2019, the ``*_inv.csv`` of a day).
        format: Force a format (see :data:`TRACE_FORMATS`) instead of detecting it.
        function: Select one function (hash prefix) or, for CSV and LLM traces, name it.
        seed: Seed of the draws (arrival times within a minute, durations).
        strict: Fail on the first rejected row.
        default_name: The name for the records of a format that does not name its function
            (a generic CSV) when ``function`` is not given; without either such a file is refused.

    Raises:
        UsageError: unknown format.
        InputError: unreadable, empty or binary file, or not a known trace.
        NotFoundError: a path does not exist.
    """
    if format is not None and format not in TRACE_FORMATS:
        raise UsageError(f"unknown --format {format!r}.", hint=f"Use one of: {trace_format_names()}.")
    results = []
    for path in map(Path, paths):
        head = read_text(path)[:HEAD_BYTES]
        parser = TRACE_FORMATS[format] if format else _detect(head, path)
        name = function or (default_name if parser.needs_name else None)
        result = parser.parse_path(path, function=name, seed=seed)
        check(result, source=str(path), strict=strict, allow_emulator=True)
        results.append(result)
    frames = [r.records for r in results if not r.records.empty]
    records = pd.concat(frames, ignore_index=True) if frames else record.empty_frame()
    names = sorted(set(records["function"].dropna()))
    return ParseResult(
        records=record.conform(records),
        rejected=[rej for r in results for rej in r.rejected],
        lines=sum(r.lines for r in results),
        parsed=sum(r.parsed for r in results),
        ignored=sum(r.ignored for r in results),
        format="+".join(sorted({r.format for r in results})),
        function=names[0] if len(names) == 1 else None,
    )


def read_arrivals(path: Path, *, function: str | None = None, seed: int = 0) -> np.ndarray:
    """Arrival times (epoch ns, sorted) of one function's requests in a trace file.

    A trace :func:`read_traces` reads gives its records' start times; besides, a CSV with only
    a ``timestamp`` column is enough here (durations are not needed to send requests).

    Raises:
        NotFoundError: the file does not exist.
        InputError: not a trace and no ``timestamp`` column, or a bad row (named).
        UsageError: the file holds several functions and ``function`` does not choose one.
    """
    head = read_text(path)[:HEAD_BYTES]
    if not any(parser.sniff(head) for parser in TRACE_PARSERS):
        return np.sort(read_arrival_column(path))
    records = read_traces([path], function=function, seed=seed, strict=True, default_name=path.stem).records
    names = records["function"].unique()
    if len(names) > 1:
        raise UsageError(f"{path} holds {len(names):,} functions; name the one whose arrivals to send.",
                         hint=f"Pass --function with a hash prefix, e.g. {names[0]}.")
    return np.sort(records["start_time"].dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64))


def _detect(head: str, path: Path) -> TraceParser:
    for parser in TRACE_PARSERS:
        if parser.sniff(head):
            return parser
    raise InputError(f"{path} is not a trace advisor knows.",
                     hint=f"Pass --format ({trace_format_names()}); a generic CSV needs the columns "
                          "timestamp and duration_ms.")
