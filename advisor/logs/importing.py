"""Import = parse + store: what ``advisor import logs`` and ``advisor import trace`` run.

The readers and the trace parsers (pandas), the bulk and staged paths and the workspace
(DuckDB) are imported inside the functions that use them, for start-up time only: the CLI imports this
module on every command, and a stored import of large text logs never loads pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.logs.fast import FORMAT as TEXT_FORMAT
from advisor.logs.formats import Detection
from advisor.record import to_json_records

if TYPE_CHECKING:
    import pandas as pd

    from advisor.logs._base import ParseResult, Rejection
    from advisor.workspace import ImportSummary

#: Why the bulk path's files are text: it reads only plain REPORT logs (and declines the rest).
BULK_REASON = "plain-text REPORT lines (read by the bulk path)"


@dataclass
class ImportOutcome:
    """What an import read and, unless it was a dry run, what the store added.

    Attributes:
        function: The function the records belong to (None: several).
        format: The format name(s) the parser used.
        counts: Line accounting and number of records (see ``ParseResult.counts``).
        rejected: Lines that could not be used, with file, line and reason.
        records: The parsed records, when they passed through Python (None after a bulk import).
        summary: What the store added (None for a dry run).
        functions: Every function the records belong to, by name.
        detections: For each file, the format it was read as and why.
    """

    function: str | None
    format: str
    counts: dict[str, int]
    rejected: list[Rejection] = field(default_factory=list)
    records: pd.DataFrame | None = None
    summary: ImportSummary | None = None
    functions: list[str] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)

    @classmethod
    def of(cls, result: ParseResult, summary: ImportSummary | None, *, records: int | None = None,
           functions: list[str] | None = None) -> ImportOutcome:
        """The outcome of a parse (and the store's summary, unless a dry run).

        ``records`` and ``functions``: how many records there were and the functions they
        belong to, when they are not in ``result.records`` (a staged import stored them).
        """
        if records is None:
            return cls(result.function, result.format, result.counts, result.rejected, result.records,
                       summary, sorted(result.records["function"].dropna().unique().tolist()),
                       result.detections)
        return cls(result.function, result.format, dict(result.counts, records=records), result.rejected,
                   None, summary, functions or [], result.detections)

    def to_dict(self, *, with_records: bool) -> dict[str, Any]:
        """JSON-ready document: records (dry run), rejected lines, counts, stored counts."""
        document: dict[str, Any] = {
            "function": self.function,
            "functions": self.functions,
            "format": self.format,
            "files": [detection.as_dict() for detection in self.detections],
            "counts": self.counts,
            "rejected": [r.as_dict() for r in self.rejected],
        }
        if with_records and self.records is not None:
            document["records"] = to_json_records(self.records)
        if self.summary is not None:
            document["stored"] = {"added": self.summary.added, "duplicates": self.summary.duplicates,
                                  "import_id": self.summary.import_id}
        return document


def import_logs(paths: Sequence[Path], *, function: str | None = None, format: str | None = None,
                strict: bool = False, allow_emulator: bool = False, dry_run: bool = False,
                workspace: Path | None = None,
                on_file: Callable[[Path], None] | None = None,
                on_progress: Callable[[float], None] | None = None) -> ImportOutcome:
    """Parse Lambda log files (see :func:`advisor.logs.read_paths`) and store their records.

    Large plain-text logs go through the bulk path (:mod:`advisor.logs.bulk`) where it
    applies: the same records, stored without passing through Python. Other large stored
    imports are parsed in parts and staged in DuckDB (:mod:`advisor.logs.staged`): the same
    records, in bounded memory.
    ``on_file`` is called after each file the general path parses; ``on_progress`` with the
    fraction of all files done while the bulk path stores them.
    """
    if not dry_run and function is not None and format in (None, TEXT_FORMAT):
        from advisor.logs.bulk import store_report_files

        summary = store_report_files(paths, function=function, workspace=workspace,
                                     allow_emulator=allow_emulator, on_progress=on_progress)
        if summary is not None:
            if on_progress is not None:
                on_progress(1.0)
            counts = {"lines": summary.lines, "parsed": summary.parsed, "ignored": summary.ignored,
                      "rejected": 0, "records": summary.parsed}
            detections = [Detection(str(path), TEXT_FORMAT, BULK_REASON) for path in paths]
            return ImportOutcome(function, TEXT_FORMAT, counts, summary=summary, functions=[function],
                                 detections=detections)
    if not dry_run:
        from advisor.logs import staged

        if staged.applies(paths):  # large files: parsed in parts, staged in DuckDB
            read = staged.store_staged(paths, function=function, format=format, strict=strict,
                                       allow_emulator=allow_emulator, workspace=workspace,
                                       on_file=on_file)
            return ImportOutcome.of(read.result, read.summary, records=read.records,
                                    functions=read.functions)
    from advisor.logs.reader import read_paths

    result = read_paths(paths, function=function, format=format, strict=strict,
                        allow_emulator=allow_emulator, on_file=on_file)
    return ImportOutcome.of(result, None if dry_run else _store(result, paths, workspace))


def import_trace(paths: Sequence[Path], *, format: str | None = None, function: str | None = None,
                 seed: int = 0, strict: bool = False, dry_run: bool = False,
                 workspace: Path | None = None) -> ImportOutcome:
    """Read public traces or a generic CSV (see :func:`advisor.logs.traces.read_traces`) and store them.

    A trace without any init time does not say which requests were cold starts; the workspace
    records that, so analyses report cold starts as unknown rather than zero.
    """
    from advisor.logs.traces import read_traces

    result = read_traces(paths, format=format, function=function, seed=seed, strict=strict)
    records_cold = bool(result.records["init_ms"].notna().any())
    summary = None if dry_run else _store(result, paths, workspace, records_cold_starts=records_cold)
    return ImportOutcome.of(result, summary)


def _store(result: ParseResult, paths: Sequence[Path], workspace: Path | None, *,
           records_cold_starts: bool = True) -> ImportSummary:
    from advisor.workspace import Workspace

    with Workspace.open(workspace) as ws:
        return ws.import_records(
            result.records, source=", ".join(str(p) for p in paths), format=result.format,
            lines=result.lines, parsed=result.parsed, ignored=result.ignored,
            rejected=len(result.rejected), records_cold_starts=records_cold_starts,
        )
