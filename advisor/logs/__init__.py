"""Log and trace importers: every source becomes the same invocation record.

Public API::

    read_paths(paths, *, function=None, format=None, strict=False, allow_emulator=False) -> ParseResult
    parse_events(events, *, function, source) -> ParseResult
    read_traces(paths, *, format=None, function=None, seed=0) -> ParseResult

See ``docs/import.md`` for the formats and the rules.
"""

from advisor.logs._base import LogEvent, Parser, ParseResult, Rejection
from advisor.logs.reader import LOG_FORMATS, format_names, parse_events, read_paths

__all__ = [
    "LOG_FORMATS",
    "LogEvent",
    "ParseResult",
    "Parser",
    "Rejection",
    "format_names",
    "parse_events",
    "read_paths",
]
