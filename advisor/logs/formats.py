"""The ``--format`` names, and which format a file was read as, without loading the parsers
(help texts are built at start-up; the bulk import path names its files' format without them).

``tests/logs/test_formats.py`` checks these against the parsers' own names.
"""

from __future__ import annotations

from typing import NamedTuple

#: ``advisor import logs --format`` names, most specific first (the order detection tries them).
LOG_FORMAT_NAMES: tuple[str, ...] = (
    "insights-json", "lambda-insights", "cloudwatch-json", "json-log", "console-csv", "insights-csv",
    "text",
)
#: ``advisor import trace --format`` names, in sniffing order.
TRACE_FORMAT_NAMES: tuple[str, ...] = ("azure-2019", "azure-2021", "azure-llm-2023", "csv")


class Detection(NamedTuple):
    """Which format a file was read as, and what in its content decided it.

    Attributes:
        file: The file (as given).
        format: The format name (what ``--format`` accepts).
        reason: What showed the format, or that ``--format`` forced it.
    """

    file: str
    format: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"file": self.file, "format": self.format, "reason": self.reason}
