"""The ``--format`` names, without loading the parsers (help texts are built at start-up).

``tests/logs/test_formats.py`` checks these against the parsers' own names.
"""

from __future__ import annotations

#: ``advisor import logs --format`` names, most specific first (the order detection tries them).
LOG_FORMAT_NAMES: tuple[str, ...] = (
    "insights-json", "lambda-insights", "cloudwatch-json", "json-log", "console-csv", "insights-csv",
    "text",
)
#: ``advisor import trace --format`` names, in sniffing order.
TRACE_FORMAT_NAMES: tuple[str, ...] = ("azure-2019", "azure-2021", "azure-llm-2023", "csv")
