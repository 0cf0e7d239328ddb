"""The tuner: ``tune()`` measures a live function at a few memory sizes and recommends the
cheapest configuration that meets the SLA (see docs/tune.md).

Names are loaded on first use (as :mod:`advisor.pricing` does), so importing the package
costs nothing until the tuner runs. The dry-run plan is :func:`advisor.tune.plan.plan`, not
exported here: a package attribute named ``plan`` becomes the submodule once it is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._lazy import lazy_getattr

if TYPE_CHECKING:  # what the names are, for type checkers; they are loaded by __getattr__
    # ruff: noqa: F401 - imported for type checkers only
    from advisor.tune.engine import tune
    from advisor.tune.plan import TunePlan
    from advisor.tune.result import TrialSummary, TuneEvent, TuneResult
    from advisor.tune.settings import Budgets, Current, TuneSettings
    from advisor.tune.space import MemorySpace, SearchSpace, parse_architectures

_EXPORTS = {
    "Budgets": "advisor.tune.settings",
    "Current": "advisor.tune.settings",
    "MemorySpace": "advisor.tune.space",
    "SearchSpace": "advisor.tune.space",
    "TrialSummary": "advisor.tune.result",
    "TuneEvent": "advisor.tune.result",
    "TunePlan": "advisor.tune.plan",
    "TuneResult": "advisor.tune.result",
    "TuneSettings": "advisor.tune.settings",
    "parse_architectures": "advisor.tune.space",
    "tune": "advisor.tune.engine",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the names above, loaded lazily

__getattr__ = lazy_getattr(__name__, _EXPORTS)
