"""The root command: version, help, and error mapping."""

from __future__ import annotations

import subprocess
import sys

from advisor import __version__


def test_version_flag_prints_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"advisor {__version__}"


def test_unknown_command_exits_nonzero_without_traceback(cli):
    result = cli("no-such-command")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "No such command" in result.stderr


def test_python_dash_m_advisor_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"advisor {__version__}"


def test_error_messages_are_never_wrapped_at_the_terminal_width(cli, tmp_path):
    from advisor.cli import _console

    long_value = "x" * 150
    console = _console.error_console()
    with console.capture() as captured:
        console.print(f"error: {long_value} is not valid.", markup=False)
    assert captured.get() == f"error: {long_value} is not valid.\n"


def test_help_lists_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for word in ("import", "analyze", "replay", "model", "pricing", "local"):
        assert f"│ {word} " in result.stdout


def test_a_command_imports_only_its_own_modules():
    code = (
        "import sys; from advisor.cli import run; run(['pricing', '--help']); "
        "print(sorted(m for m in ('sklearn', 'numba', 'advisor.cli.model', 'advisor.cli.replay') "
        "if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
