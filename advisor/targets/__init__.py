"""Targets: where invocations really happen (a local handler, AWS, or a user's own class).

The contract is :class:`Target` in :mod:`advisor.targets._base`. Names are loaded
lazily so that a local worker process (``python -m advisor.targets._worker``)
imports nothing but the standard library before the user's handler.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RECORD_FIELDS", "AwsTarget", "LocalTarget", "Target", "ThrottledError", "load_target", "make_target",
           "parse_target_options"]

_WHERE = {
    "Target": "advisor.targets._base",
    "RECORD_FIELDS": "advisor.targets._base",
    "load_target": "advisor.targets.plugins",
    "make_target": "advisor.targets.plugins",
    "parse_target_options": "advisor.targets.plugins",
    "AwsTarget": "advisor.targets.aws",
    "LocalTarget": "advisor.targets.local",
    "ThrottledError": "advisor.targets._base",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'advisor.targets' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_WHERE[name]), name)
