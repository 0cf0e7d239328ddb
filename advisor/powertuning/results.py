"""What Power Tuning measured at one memory size, as advisor keeps it and reads it back.

Kept free of the tuner and the models (it needs only the workspace), so that the models'
sample loader can read Power Tuning's results without importing the layers above it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

from advisor.errors import NotFoundError
from advisor.platform.aws_lambda import DEFAULT_ARCH

if TYPE_CHECKING:
    import pandas as pd

    from advisor.workspace import Workspace

#: Kinds of input, as the import names them (and the import log's format).
FORMAT_OUTPUT: Final = "powertuning-output"
FORMAT_URL: Final = "powertuning-url"


@dataclass(frozen=True)
class SizeResult:
    """Power Tuning's figures at one memory size.

    Attributes:
        memory_mb: The size.
        mean_duration_ms: Power Tuning's ``averageDuration``: the mean of duration plus any
            init or restore duration, after dropping the top and bottom ``discard_top_bottom``
            of the invocations (a trimmed mean; 20% each side by default).
        cost: ``averagePrice``: the compute charge of one invocation of the mean billed
            duration (no request charge), in ``currency``; None where the input has none.
        currency: ``USD``, or ``CNY`` in China's regions.
        architecture: The function's architecture when the user said it (Power Tuning does not).
        invocations: Invocations per size (the execution's ``num``) when the input holds it.
        discard_top_bottom: The trimmed fraction each side, when the input holds it.
        exact: True for JSON numbers, False for figures read from the URL (Float32 precision).
    """

    memory_mb: int
    mean_duration_ms: float
    cost: float | None
    currency: str
    architecture: str | None
    invocations: int | None = None
    discard_top_bottom: float | None = None
    exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, null where unknown."""
        return asdict(self)


@dataclass(frozen=True)
class ParsedInput:
    """One input (file or URL) read: its sizes, how it was read, and what else it said.

    Attributes:
        source: The file path or the URL, as given.
        format: :data:`FORMAT_OUTPUT` or :data:`FORMAT_URL`.
        reason: Where the figures came from (``stats of the execution output``, ...).
        sizes: One result per size (per set, for a comparison URL).
        lambda_arn: The tuned function's ARN when the execution input holds it.
    """

    source: str
    format: str
    reason: str
    sizes: tuple[SizeResult, ...]
    lambda_arn: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"source": self.source, "format": self.format, "reason": self.reason,
                "lambda_arn": self.lambda_arn, "sizes": [s.to_dict() for s in self.sizes]}


def stored_results(store: Workspace, function: str) -> list[tuple[str, dict[str, Any]]]:
    """``function``'s stored results, each with the architecture it counts as.

    A result imported without an architecture takes the function's (the workspace's
    configuration), else Lambda's default: Power Tuning measures the function as deployed.
    """
    rows = store.powertuning_results(function)
    if not rows:
        return []
    try:
        default = store.function(function).architecture or DEFAULT_ARCH
    except NotFoundError:
        default = DEFAULT_ARCH
    return [(row["architecture"] or default, row) for row in rows]


def sample_table(store: Workspace, function: str) -> pd.DataFrame:
    """The models' sample table of ``function``'s results: one row per size and run at its mean.

    Columns of :mod:`advisor.models.samples` (``memory_mb``, ``duration_ms``, ``init_ms``,
    ``max_memory_used_mb``, ``architecture``); what Power Tuning does not report is NaN.
    """
    import numpy as np
    import pandas as pd

    rows = stored_results(store, function)
    return pd.DataFrame({
        "memory_mb": np.array([row["memory_mb"] for _, row in rows], dtype=float),
        "duration_ms": np.array([row["mean_duration_ms"] for _, row in rows], dtype=float),
        "init_ms": np.full(len(rows), np.nan),
        "max_memory_used_mb": np.full(len(rows), np.nan),
        "architecture": np.array([arch for arch, _ in rows], dtype=object),
    })
