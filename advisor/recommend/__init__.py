"""``advisor recommend``: the cheapest memory, architecture and keep-warm setting that meets an SLA,
from the evidence the workspace already holds (imported traffic, tuning records), nothing
invoked; with the break-even across platforms at that configuration (docs/recommend.md).

Names are loaded on first use, so that a command's help does not load the replay engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._lazy import lazy_getattr

if TYPE_CHECKING:  # what the names are, for type checkers; they are loaded by __getattr__
    # ruff: noqa: F401 - imported for type checkers only
    from advisor.recommend.engine import PLATFORMS, RecommendSettings, recommend
    from advisor.recommend.evidence import SOURCES, Evidence, gather
    from advisor.recommend.result import Candidate, Missing, Recommendation

_EXPORTS = {
    "Candidate": "advisor.recommend.result",
    "Evidence": "advisor.recommend.evidence",
    "Missing": "advisor.recommend.result",
    "PLATFORMS": "advisor.recommend.engine",
    "Recommendation": "advisor.recommend.result",
    "RecommendSettings": "advisor.recommend.engine",
    "SOURCES": "advisor.recommend.evidence",
    "gather": "advisor.recommend.evidence",
    "recommend": "advisor.recommend.engine",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the names above, loaded lazily

__getattr__ = lazy_getattr(__name__, _EXPORTS)
