"""Every option of every command, driven with random and extreme values: one-line errors, never a traceback.

The commands are read from the app itself, so a new option is fuzzed without touching this file.
Commands that call AWS (``import cloudwatch``, ``pricing refresh``) are left out: their options
are parsed by the same shared parsers, and their AWS calls are tested against moto. So is
``local serve``, which serves until Ctrl-C once its options pass: its bad values are tested in
tests/targets/lambda_api/test_cli_serve.py. ``tune`` is fuzzed against a plugin target whose
function is a known curve (``--target`` is pinned, never drawn: its default, aws, would reach
for AWS); its other options are drawn like any other. ``apply`` is fuzzed with ``--iac`` pinned (it
prints a snippet and calls nothing), so every other option is parsed and checked; its AWS calls are
tested against ``advisor local serve`` and moto in tests/apply/.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import build_app, run

REPO = Path(__file__).resolve().parents[2]
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
FUNCTION = "543bec406831"
#: Exit codes advisor's errors map to (cli/__init__.py), and 0.
EXIT_CODES = {0, 2, 3, 4, 5, 6}
NETWORK = {("import", "cloudwatch"), ("pricing", "refresh")}
SERVES = {("local", "serve")}
CURVE = f"{REPO / 'tests' / 'tune' / 'plugin_target.py'}:CurveFunction"
#: Options a command always gets unless the draw gives them a value (never drawn: ``UNDRAWN``).
PINNED = {("tune",): {"--target": CURVE, "--sla": "p95=1s", "--budget-invocations": "8"},
          ("recommend",): {"--sla": "p95=40s"},
          ("apply",): {"--iac": "sam"}}
UNDRAWN = {("tune",): {"--target"}, ("apply",): {"--iac"}}
#: Values every option is tried with: numbers at and past every bound, non-numbers, odd text.
EXTREMES = [
    "0", "1", "-1", "128", "10240", "10241", "0.5", "1e300", "-1e300", "1e-300", "nan", "inf", "-inf",
    "100000000000000000000000", "9" * 40, "abc", "", " ", "1h30m", "10m", "250ms", "1e400", "2w", "--",
    "x86_64", "arm64", "sparc", "us-east-1", "newest", "mru", "08:00-20:00=5,else=0", "label=x,batch=3",
    "{}", '{"x": 1}', "@/nonexistent.json", "/nonexistent/path", "é", "\u2603",
]
VALUES = st.one_of(st.sampled_from(EXTREMES), st.integers(-10**25, 10**25).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=12))


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the app with its word path."""
    root = typer.main.get_command(build_app())
    found = []

    def walk(command: Any, words: tuple[str, ...]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, (*words, name))
        elif words not in NETWORK | SERVES:
            found.append((words, command))

    walk(root, ())
    return found


COMMANDS = _commands()
#: What each command's required arguments get, so that its options are reached.
ARGUMENTS = {
    "function": FUNCTION, "paths": str(TRACE), "handler": f"{REPO / 'tests' / 'targets' / 'handlers.py'}:echo",
}


def _options(command: Any) -> list[tuple[str, bool]]:
    """(the option's name, whether it is a flag) for every option of ``command``."""
    out = []
    for param in command.params:
        if param.param_type_name == "option" and param.name not in ("help", "workspace", "json"):
            out.append((max(param.opts, key=len), bool(getattr(param, "is_flag", False))))
    return out


def _arguments(command: Any) -> list[str]:
    return [ARGUMENTS.get(p.name, FUNCTION) for p in command.params
            if p.param_type_name == "argument" and p.required]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = tmp_path_factory.mktemp("fuzz") / "ws"
    assert run(["import", "trace", str(TRACE), "-w", str(workspace)]) == 0
    return workspace


def test_the_fuzz_reaches_every_command() -> None:
    words = {" ".join(w) for w, _ in COMMANDS}
    assert {"replay", "analyze", "pricing cost", "model predict", "local invoke", "import logs", "functions",
            "tune", "apply"} <= words


@settings(max_examples=int(os.environ.get("ADVISOR_FUZZ_EXAMPLES", "300")), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_option_value_ends_in_a_result_or_a_one_line_error(
    filled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(filled.parent)  # a drawn output path (--html, --markdown, --out) lands here, not in the checkout
    words, command = data.draw(st.sampled_from(COMMANDS), label="command")
    options = [o for o in _options(command) if o[0] not in UNDRAWN.get(words, set())]
    chosen = data.draw(st.lists(st.sampled_from(options), max_size=3, unique=True), label="options") if options else []
    args = [*words, *_arguments(command)]
    for name, is_flag in chosen:
        args += [name] if is_flag else [name, data.draw(VALUES, label=name)]
    for name, value in PINNED.get(words, {}).items():
        args += [name, value] if (name, False) not in chosen else []
    if words[0] == "local":  # never start workers for a value that passes: keep the run short
        args += ["--timeout", "1s"] if ("--timeout", False) not in chosen else []
    capsys.readouterr()
    code = run([*args, "-w", str(filled)])  # an exception here (a traceback) fails the test
    out, err = capsys.readouterr()
    assert code in EXIT_CODES, (args, code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code != 0:
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, (args, err)
