"""Log and trace importers: every source becomes the same invocation record.

Public API::

    read_paths(paths, *, function=None, format=None, strict=False, allow_emulator=False) -> ParseResult
    parse_events(events, *, function, source) -> ParseResult
    read_traces(paths, *, format=None, function=None, seed=0) -> ParseResult

See ``docs/import.md`` for the formats and the rules. The names are loaded on first
use: the parsers need pandas, which the bulk import path (:mod:`advisor.logs.bulk`)
never imports.
"""

from __future__ import annotations

from advisor._lazy import lazy_getattr

_EXPORTS = {
    "LOG_FORMATS": "advisor.logs.reader",
    "LogEvent": "advisor.logs._base",
    "ParseResult": "advisor.logs._base",
    "Parser": "advisor.logs._base",
    "Rejection": "advisor.logs._base",
    "format_names": "advisor.logs.reader",
    "parse_events": "advisor.logs.reader",
    "read_paths": "advisor.logs.reader",
    "read_traces": "advisor.logs.traces",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
