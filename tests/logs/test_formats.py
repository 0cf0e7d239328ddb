"""The start-up list of --format names is the parsers' own list, in sniffing order."""

from __future__ import annotations

from advisor.logs.formats import LOG_FORMAT_NAMES, TRACE_FORMAT_NAMES
from advisor.logs.detect import LOG_PARSERS
from advisor.logs.traces import TRACE_PARSERS


def test_log_format_names_match_the_parsers():
    assert LOG_FORMAT_NAMES == tuple(parser.name for parser in LOG_PARSERS)


def test_trace_format_names_match_the_parsers():
    assert TRACE_FORMAT_NAMES == tuple(parser.name for parser in TRACE_PARSERS)
