"""Cold-start (init) duration against memory and, when known, deployment package size."""

from __future__ import annotations

from advisor.models._base import MemoryCurveModel

#: Forms compared by default: flat, ``a + b/m`` and a fixed part plus single-vCPU CPU work.
COLDSTART_FORMS = ("constant", "inverse", "cpu")


class ColdStartModel(MemoryCurveModel):
    """Init duration of a cold start (ms) against memory (and package size).

    X is a DataFrame with ``memory_mb`` and optionally ``package_mb`` (deployment package or
    image size in MB, which enters linearly: download and unpack time), or a 2-D array
    ``[memory_mb, package_mb]``. Forms compared by leave-one-memory-size-out CV:
    ``constant`` (init does not depend on memory), ``inverse`` (``a + b*1024/m``) and ``cpu``
    (a fixed part plus single-threaded CPU work at ``min(memory/1769, 1)`` vCPU).
    Quantiles and intervals mean the same as for :class:`DurationModel`.
    """

    extra_features = ("package_mb",)
    default_candidates = COLDSTART_FORMS
