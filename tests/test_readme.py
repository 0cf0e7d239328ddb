"""README.md's quickstart says what ``scripts/quickstart.sh`` runs, so the two cannot drift apart."""

from __future__ import annotations

import re

from .conftest import REPO


def _quickstart_section() -> str:
    text = (REPO / "README.md").read_text()
    match = re.search(r"^## Quickstart\n(.*?)^## ", text, re.S | re.M)
    assert match is not None, "README.md has no Quickstart section"
    return match[1]


def _script_commands() -> list[str]:
    lines = (REPO / "scripts" / "quickstart.sh").read_text().splitlines()
    return [line.strip() for line in lines if line.strip().startswith("advisor ")]


def test_the_readme_quickstart_ends_with_the_script_s_last_command() -> None:
    commands = _script_commands()
    assert commands, "scripts/quickstart.sh runs no advisor command"
    assert f"ends with `{commands[-1]}`" in _quickstart_section()


def test_the_readme_quickstart_names_what_each_command_of_the_script_works_on() -> None:
    """Each command is named (`advisor VERB`), or for an import, the bundled files it imports."""
    section = _quickstart_section()
    for command in _script_commands():
        paths = [word for word in command.split() if word.startswith("traces/")]
        if paths:
            assert all(f"`{path.rsplit('_', 1)[0]}_*`" in section for path in paths), command
        else:
            assert f"`{' '.join(command.split()[:2])}" in section, command
