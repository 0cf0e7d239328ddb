"""Power Tuning's results as evidence: for ``advisor recommend`` and ``advisor model fit``.

Power Tuning reports a mean per size, not its invocations. A size it measured therefore
enters advisor as **one observation of that mean**: one record whose ``duration_ms`` is
Power Tuning's ``averageDuration``, with ``request_id`` None (it is no invocation advisor made
or saw, so :attr:`Measurement.invocations` stays 0) and status ``success``. The spread of the
invocations around the mean is unknown, so it adds nothing to the per-invocation noise beyond
what one sample at its size says; the invocation count Power Tuning averaged over (when the
input held it) rides along in the record's ``powertuning_invocations`` and weighs nothing.
The mean is trimmed (Power Tuning drops the fastest and slowest 20% by default) and includes
init time of any cold start left in it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final

from advisor.powertuning.results import stored_results
from advisor.record import STATUS_SUCCESS
from advisor.tune.measure import Measurement

if TYPE_CHECKING:
    from advisor.workspace import Workspace

#: The ``source`` of every record this module makes.
SOURCE: Final = "powertuning"


def measurements(store: Workspace, function: str) -> list[Measurement]:
    """One :class:`Measurement` per size (and architecture) Power Tuning measured ``function`` at.

    Each holds one record per imported run at that size (usually one): the run's mean duration
    as a success without a request id. Results imported without an architecture take the
    function's, else Lambda's default (:func:`advisor.powertuning.results.stored_results`).

    Args:
        store: The open workspace.
        function: The function's name.

    Returns:
        Measurements by architecture and size; empty when nothing was imported for it.
    """
    by_size: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for architecture, row in stored_results(store, function):
        by_size[(architecture, int(row["memory_mb"]))].append(_record(row, architecture))
    return [Measurement(memory, architecture, tuple(records))
            for (architecture, memory), records in sorted(by_size.items())]


def _record(row: dict[str, Any], architecture: str) -> dict[str, Any]:
    """One run's mean at one size as a record (the :mod:`advisor.record` fields and its origin)."""
    imported = row["imported_at"]
    return {
        "request_id": None, "status": STATUS_SUCCESS, "error_type": None,
        "duration_ms": float(row["mean_duration_ms"]), "billed_duration_ms": None,
        "memory_mb": int(row["memory_mb"]), "architecture": architecture,
        "init_ms": None, "max_memory_used_mb": None, "start_time": None, "end_time": None,
        "source": SOURCE, "powertuning_invocations": row["invocations"],
        "powertuning_cost": row["cost"], "powertuning_currency": row["currency"],
        "powertuning_source": row["source"],
        "imported_at": None if imported is None else imported.isoformat(),
    }
