"""``advisor import logs`` starts parsing its files before the command line is fully read."""

from __future__ import annotations

import subprocess
import sys
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


@pytest.mark.parametrize(("args", "frozen"), [
    (["import", "logs", "{log}", "--function", "f", "--workspace", "{ws}"], True),
    (["--version"], False),
])
def test_an_import_of_logs_freezes_the_heap_before_the_interpreter_shuts_down(
        tmp_path: Path, args: list[str], frozen: bool):
    log = tmp_path / "f.log"
    log.write_text("2026-01-05T09:00:00.000Z REPORT RequestId: 11111111-1111-4111-8111-111111111111\t"
                   "Duration: 3.00 ms\tBilled Duration: 3 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\t\n")
    argv = [arg.format(log=log, ws=tmp_path / "ws") for arg in args]
    script = (
        "import gc, sys\n"
        f"sys.argv = ['advisor', *{argv!r}]\n"
        "from advisor.launch import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    print(exit.code, gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == f"0 {frozen}"
