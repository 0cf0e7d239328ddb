"""The rendered analyze report (fixed width, no colour) and its error paths."""

from __future__ import annotations

from pathlib import Path

from .test_analyze import fill


def test_report_of_known_records_matches_golden(cli, workspace: Path, golden) -> None:
    fill(workspace)
    out = cli("analyze", "f")
    assert out.exit_code == 0, out.stderr
    golden("analyze_known.txt", out.stdout)


def test_unknown_function_exits_4_listing_known_functions(cli, workspace: Path) -> None:
    fill(workspace)
    out = cli("analyze", "nope")
    assert out.exit_code == 4
    message = " ".join(out.stderr.split())
    assert message.startswith("error: function 'nope' is not in workspace")
    assert "Known functions: f." in message
    assert "Traceback" not in out.stderr


def test_bad_since_exits_2_naming_the_value(cli, workspace: Path) -> None:
    fill(workspace)
    out = cli("analyze", "f", "--since", "last tuesday")
    assert out.exit_code == 2
    assert "cannot read the time --since 'last tuesday'" in " ".join(out.stderr.split())


def test_empty_workspace_exits_4_saying_to_import(cli, workspace: Path) -> None:
    out = cli("analyze", "f")
    assert out.exit_code == 4
    message = " ".join(out.stderr.split())
    assert "is empty" in message and "advisor import logs" in message
