"""Fixtures for the local target: real handlers in real worker processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from advisor.targets.local import LocalTarget

HANDLERS = Path(__file__).resolve().parent / "handlers.py"


def handler(name: str) -> str:
    """The spec of a test handler: ``.../handlers.py:NAME``."""
    return f"{HANDLERS}:{name}"


@pytest.fixture
def local_target() -> Iterator[Callable[..., LocalTarget]]:
    """Make LocalTargets on the test handlers (``local_target("echo", memory_mb=...)``); all closed after."""
    made: list[LocalTarget] = []

    def make(name: str, **options) -> LocalTarget:
        options.setdefault("memory_mb", 1769)
        target = LocalTarget(handler(name), **options)
        made.append(target)
        return target

    yield make
    for target in made:
        target.close()
