"""Log and trace importers: every source becomes the same invocation record.

Public API::

    read_paths(paths, *, function=None, format=None, strict=False, allow_emulator=False) -> ParseResult
    parse_events(events, *, function, source) -> ParseResult
    read_traces(paths, *, format=None, function=None, seed=0) -> ParseResult

See ``docs/import.md`` for the formats and the rules. Code outside this package imports
these names from here, never from its private modules. The names are loaded on first use,
for start-up time: the parsers need pandas, which the bulk import path
(:mod:`advisor.logs.bulk`) never imports.

The modules build on each other in layers, without cycles (``tests/logs/test_layers.py``):

1. ``formats`` (the ``--format`` names, :class:`Detection`), ``_base`` (the parser contract),
   ``report`` (a text REPORT), ``decoding`` (JSON documents, base64+gzip, CSV rows, ISO times,
   text in parts), ``jsonstream`` (JSON documents read in parts);
2. ``records`` (the record table), ``sniffing`` (what a file's head is made of);
3. ``events`` (the assembler every log format feeds), then ``tabular`` (the CSV parsers' base);
4. the parsers: ``text``, ``jsonlog``, ``exports``, ``insights``, ``fast`` (large text logs);
5. ``detect`` (which parser reads a file), then ``reader``, ``bulk`` (large text logs stored
   by DuckDB) and ``staged`` (large logs of any format stored in parts);
6. ``importing`` and the traces (``traces`` on ``_tracing`` and its parsers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._lazy import lazy_getattr

if TYPE_CHECKING:  # what the names are, for type checkers; they are loaded by __getattr__
    # ruff: noqa: F401 - imported for type checkers only
    from advisor.logs._base import LogEvent, Parser, ParseResult, Rejection, TraceParser
    from advisor.logs.detect import LOG_FORMATS, LOG_PARSERS, format_names
    from advisor.logs.formats import Detection
    from advisor.logs.reader import parse_events, read_paths
    from advisor.logs.traces import read_traces

_EXPORTS = {
    "LOG_FORMATS": "advisor.logs.detect",
    "LOG_PARSERS": "advisor.logs.detect",
    "Detection": "advisor.logs.formats",
    "LogEvent": "advisor.logs._base",
    "ParseResult": "advisor.logs._base",
    "Parser": "advisor.logs._base",
    "Rejection": "advisor.logs._base",
    "TraceParser": "advisor.logs._base",
    "format_names": "advisor.logs.detect",
    "parse_events": "advisor.logs.reader",
    "read_paths": "advisor.logs.reader",
    "read_traces": "advisor.logs.traces",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the names above, loaded lazily

__getattr__ = lazy_getattr(__name__, _EXPORTS)
