"""``advisor import logs`` starts parsing its files before the command line is fully read."""

from __future__ import annotations

from pathlib import Path

import pytest

import advisor.logs.bulk
from advisor.cli.imports import prefetch


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    calls: list[list[Path]] = []
    monkeypatch.setattr(advisor.logs.bulk, "prefetch", calls.append)
    return calls


def test_the_paths_of_an_import_are_prefetched_and_option_values_are_not(started):
    prefetch(["import", "logs", "a.log", "--function", "b.log", "-f", "c", "--workspace", "w",
              "d.log", "--allow-emulator", "--strict", "--", "--e.log"])
    assert started == [[Path("a.log"), Path("d.log"), Path("--e.log")]]


@pytest.mark.parametrize("args", [
    ["import", "logs", "a.log", "--dry-run"],  # parsed in file order by another path
    ["import", "logs", "a.log", "--format", "text"],  # the general path reads forced formats
    ["import", "trace", "a.csv"],
    ["import", "logs", "--function", "f"],
    ["analyze", "f"],
])
def test_other_commands_prefetch_nothing(started, args: list[str]):
    prefetch(args)
    assert started == []
