"""``advisor import powertuning``: Power Tuning's results into the workspace, as evidence.

Every input is read before anything is stored, and all are stored in one transaction: an input
that cannot be read stops the import with nothing stored. A result is identified by its
function, size, currency and its mean duration at Float32 precision (the URL's), so the same
run imported again, from the same file or from its visualization URL, adds nothing: it fills
in what the stored result lacks (architecture, invocation count), and the output's exact
figures replace the URL's when they come second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.platform.aws_lambda import check_architecture
from advisor.powertuning.output import read_input
from advisor.powertuning.results import ParsedInput, SizeResult
from advisor.powertuning.url import as_float32
from advisor.workspace import ImportSummary

#: The import log's format name.
FORMAT = "powertuning"


@dataclass(frozen=True)
class PowerTuningImport:
    """What an import read and, unless a dry run, stored."""

    function: str
    inputs: tuple[ParsedInput, ...]
    summary: ImportSummary | None

    @property
    def sizes(self) -> int:
        """Sizes read, over all inputs."""
        return sum(len(parsed.sizes) for parsed in self.inputs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every input with its sizes; ``stored`` unless a dry run."""
        doc: dict[str, Any] = {"function": self.function, "format": FORMAT,
                               "inputs": [parsed.to_dict() for parsed in self.inputs],
                               "counts": {"inputs": len(self.inputs), "sizes": self.sizes}}
        if self.summary is not None:
            doc["stored"] = {"added": self.summary.added, "duplicates": self.summary.duplicates}
        return doc


def import_powertuning(
    function: str,
    inputs: Sequence[str],
    *,
    architecture: str | None = None,
    dry_run: bool = False,
    workspace: Path | None = None,
) -> PowerTuningImport:
    """Read Power Tuning outputs or visualization URLs and store their sizes for ``function``.

    Args:
        function: The function they measured (as the workspace names it).
        inputs: Files (output JSON, or a URL in a file) and visualization URLs.
        architecture: The function's architecture, when known (Power Tuning does not record it).
        dry_run: Read and report; store nothing.
        workspace: Workspace directory (None: ``$ADVISOR_HOME`` or ``./.advisor``).

    Raises:
        UsageError: no input, an empty function name or an unknown architecture.
        InputError, NotFoundError: an input cannot be read (named; nothing is stored).
    """
    if not function.strip():
        raise UsageError("the function name is empty.", hint="Name the function Power Tuning measured.")
    if not inputs:
        raise UsageError("no Power Tuning output or URL given.", hint="Give a file or a visualization URL.")
    if architecture is not None:
        check_architecture(architecture)
    parsed = tuple(read_input(given, architecture=architecture) for given in inputs)
    if dry_run:
        return PowerTuningImport(function, parsed, None)
    from advisor.context import Context

    rows = [_row(function, p.source, size) for p in parsed for size in p.sizes]
    with Context.resolve(workspace) as context:
        assert context.store is not None
        summary = context.store.import_powertuning(rows, source="; ".join(p.source for p in parsed),
                                                   format=FORMAT)
    return PowerTuningImport(function, parsed, summary)


def result_key(function: str, size: SizeResult) -> str:
    """The identity of a result: the same run read from its output or its URL has the same key
    (its mean duration at Float32 precision tells one run from another)."""
    text = "\x1f".join((function, str(size.memory_mb), size.currency,
                        as_float32(size.mean_duration_ms).hex()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _row(function: str, source: str, size: SizeResult) -> tuple[Any, ...]:
    """One row in ``advisor.workspace.POWERTUNING_COLUMNS`` order."""
    return (result_key(function, size), function, size.memory_mb, size.architecture, size.mean_duration_ms,
            size.cost, size.currency, size.invocations, size.discard_top_bottom, size.exact, source)
