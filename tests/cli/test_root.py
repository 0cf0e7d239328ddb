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
