"""Pricing tests never read a real user's override catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user config and the workspace at empty temporary directories."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    workspace = tmp_path / "ws"
    monkeypatch.setenv("ADVISOR_HOME", str(workspace))
    return workspace


@pytest.fixture
def catalog(isolated_overrides: Path):  # noqa: ANN201 - a PriceCatalog
    """The prices of the isolated workspace: bundled, merged with overrides written there."""
    from advisor.pricing import PriceCatalog

    return PriceCatalog.for_workspace(isolated_overrides)
