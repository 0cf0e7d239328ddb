"""Import = parse + store: what ``advisor import logs`` and ``advisor import trace`` run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.logs._base import ParseResult
from advisor.logs.reader import read_paths
from advisor.logs.traces import read_traces
from advisor.record import to_json_records
from advisor.workspace import ImportSummary, Workspace


@dataclass
class ImportOutcome:
    """The parse result and, unless it was a dry run, what the store added."""

    result: ParseResult
    summary: ImportSummary | None

    def to_dict(self, *, with_records: bool) -> dict[str, Any]:
        """JSON-ready document: records (dry run), rejected lines, counts, stored counts."""
        document: dict[str, Any] = {
            "function": self.result.function,
            "format": self.result.format,
            "counts": self.result.counts,
            "rejected": [r.as_dict() for r in self.result.rejected],
        }
        if with_records:
            document["records"] = to_json_records(self.result.records)
        if self.summary is not None:
            document["stored"] = {"added": self.summary.added, "duplicates": self.summary.duplicates,
                                  "import_id": self.summary.import_id}
        return document


def import_logs(paths: Sequence[Path], *, function: str | None = None, format: str | None = None,
                strict: bool = False, allow_emulator: bool = False, dry_run: bool = False,
                workspace: Path | None = None,
                on_file: Callable[[Path], None] | None = None) -> ImportOutcome:
    """Parse Lambda log files (see :func:`advisor.logs.read_paths`) and store their records."""
    result = read_paths(paths, function=function, format=format, strict=strict,
                        allow_emulator=allow_emulator, on_file=on_file)
    return ImportOutcome(result, None if dry_run else _store(result, paths, workspace))


def import_trace(paths: Sequence[Path], *, format: str | None = None, function: str | None = None,
                 seed: int = 0, strict: bool = False, dry_run: bool = False,
                 workspace: Path | None = None) -> ImportOutcome:
    """Read public traces or a generic CSV (see :func:`advisor.logs.traces.read_traces`) and store them."""
    result = read_traces(paths, format=format, function=function, seed=seed, strict=strict)
    return ImportOutcome(result, None if dry_run else _store(result, paths, workspace))


def _store(result: ParseResult, paths: Sequence[Path], workspace: Path | None) -> ImportSummary:
    with Workspace.open(workspace) as ws:
        return ws.import_records(
            result.records, source=", ".join(str(p) for p in paths), format=result.format,
            lines=result.lines, parsed=result.parsed, ignored=result.ignored,
            rejected=len(result.rejected),
        )
