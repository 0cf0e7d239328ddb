"""``advisor import logs`` starts parsing its files before the command line is fully read."""

from __future__ import annotations

from pathlib import Path

import pytest

import typer

import advisor.logs.bulk
from advisor.cli.imports import register
from advisor.launch import VALUE_OPTIONS, prefetch


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    calls: list[list[Path]] = []
    monkeypatch.setattr(advisor.logs.bulk, "prefetch", calls.append)
    return calls


def test_the_paths_of_an_import_are_prefetched_and_option_values_are_not(started):
    prefetch(["import", "logs", "a.log", "--function", "b.log", "-f", "c", "--workspace", "w",
              "d.log", "-w", "w2", "--allow-emulator", "--strict", "--", "--e.log"])
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


def test_the_prefetch_knows_every_option_of_import_logs_that_takes_a_value():
    app = typer.Typer()
    register(app)
    logs = typer.main.get_command(app).commands["logs"]
    taking = {name for param in logs.params if param.param_type_name == "option"
              and not param.is_flag for name in param.opts + param.secondary_opts}
    assert taking == VALUE_OPTIONS
