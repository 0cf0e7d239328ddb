"""Bulk import: large plain-text REPORT logs parsed and stored by DuckDB in one statement.

A stored import of a multi-million-line log spends its time in three places when
records pass through Python: importing pandas, converting the parsed columns to
Python-side frames, and converting them back for the store. This path does none
of that. :func:`advisor.logs.fast.record_select` computes the records, and
:meth:`advisor.workspace.Workspace.insert_select` inserts them inside the import's
transaction. The line count runs in a thread meanwhile.

It applies when every file is a large plain or gzip text log and every line is canonical;
records already stored for the function are skipped, as by the general path. Otherwise, or
when the rows show something the exact rules treat specially (a file without records, a
repeated request id, emulator output), the transaction is rolled back and :func:`store_report_files` returns
None: the caller imports through the general path, which gives the same result
or the right error. ``tests/logs/test_bulk.py`` checks the stores are equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from advisor.logs.fast import FORMAT, count_lines_later, open_report_file, record_select
from advisor.logs.report import EMULATOR_MEMORY_MB
from advisor.workspace import ImportSummary, Workspace

#: Files smaller than this go through the general path (the fast path's threshold).
BULK_MIN_BYTES = 4 * 1024 * 1024


class _Declined(Exception):
    """The stored rows need the general path's rules; roll back and import it that way."""


def store_report_files(paths: Sequence[Path], *, function: str, workspace: Path | None,
                       allow_emulator: bool = False,
                       on_progress: Callable[[float], None] | None = None) -> ImportSummary | None:
    """Import ``paths`` as records of ``function``, or None if the bulk path declines.

    Args:
        paths: Plain or gzip text log files.
        function: The function the records belong to.
        workspace: Workspace directory (None: the default).
        allow_emulator: Accept local emulator output (otherwise decline it, so that the
            general path refuses it with its message).
        on_progress: Called with the fraction done (0 to 1) while the records are stored.

    Returns:
        The stored counts, or None with nothing stored.
    """
    sources = []
    for path in map(Path, paths):
        if not path.is_file() or path.stat().st_size < BULK_MIN_BYTES:
            return None
        source = open_report_file(path)
        if source is None:
            return None
        sources.append(source)
    counts = [count_lines_later(source) for source in sources]
    selects = [record_select(source) for source in sources]
    with Workspace.open(workspace) as ws:

        def verify(staged: str, per_file: list[int]) -> None:
            distinct, rows, emulator = ws.connection.execute(
                "SELECT count(DISTINCT request_id), count(*), "
                "bool_and(max_memory_used_mb = memory_mb) AND bool_or(memory_mb = ?) "
                f"FROM {staged}", [EMULATOR_MEMORY_MB]).fetchone()
            # A file without records (another service's log) or a repeated request id: the
            # general path says what the file is, or numbers the retries.
            if 0 in per_file or distinct != rows or (emulator and not allow_emulator):
                raise _Declined

        try:
            return ws.insert_select(
                selects, function=function, source=", ".join(str(p) for p in paths), format=FORMAT,
                lines=lambda: sum(count.result() for count in counts), verify=verify,
                on_progress=on_progress)
        except duckdb.InterruptException:
            raise  # Ctrl-C stops the import; it is no reason to parse the files again
        except (_Declined, duckdb.Error, OSError, EOFError):  # the general path reports errors
            return None
