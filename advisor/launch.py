"""The ``advisor`` executable: a large import's parse starts before the command line loads.

Loading the command line (typer, rich, DuckDB) takes about a tenth of a second on
one core. ``advisor import logs`` of a large plain-text log needs no part of it to start
parsing: :func:`main` starts the C parser first (:func:`advisor.logs.bulk.prefetch`, which
keeps its parse when the command asks for the same files again), then runs the CLI. Only the
standard library and the parser's own modules are imported before it starts.

When ``import logs`` is done, the interpreter's shutdown still searches the whole heap for
reference cycles, and that took 0.03 s of the 1.05 s import of two million REPORT
lines: :func:`main` freezes the heap first (:func:`gc.freeze`), so the search skips it. The
command's files and its database are closed by then; objects still held are freed as usual.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from pathlib import Path

#: ``import logs`` options that take a value (the rest are flags).
VALUE_OPTIONS = {"--function", "-f", "--format", "--workspace", "-w"}


def prefetch(args: Sequence[str]) -> None:
    """For ``import logs PATH...`` storing large plain-text logs, start the C parser on them
    now, while the CLI itself starts up (see :func:`advisor.logs.bulk.prefetch`)."""
    if list(args[:2]) != ["import", "logs"] or "--dry-run" in args or "--format" in args:
        return
    paths: list[Path] = []
    rest = iter(args[2:])
    for arg in rest:
        if arg in VALUE_OPTIONS:
            next(rest, None)
        elif arg == "--":
            paths += map(Path, rest)
        elif not arg.startswith("-"):
            paths.append(Path(arg))
    if paths:
        from advisor.logs.bulk import prefetch as start

        start(paths)


def main() -> None:
    """Console-script entry point: prefetch, then :func:`advisor.cli.main`."""
    args = sys.argv[1:]
    prefetch(args)
    from advisor.cli import main as run_cli

    try:
        run_cli()
    finally:
        if args[:2] == ["import", "logs"]:
            gc.freeze()  # see the module's docstring
