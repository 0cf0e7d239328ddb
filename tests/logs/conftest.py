"""Fixtures shared by the log tests."""

from __future__ import annotations

import pytest

from advisor.logs import fast


@pytest.fixture(params=["c", "sql"])
def fast_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with large logs parsed by the C parser, then by DuckDB's SQL (also in
    subprocesses, through the environment)."""
    if request.param == "sql":
        monkeypatch.setenv(fast.C_PARSER_ENV, "off")
    else:
        monkeypatch.delenv(fast.C_PARSER_ENV, raising=False)
        assert fast.c_parser_available(), "the C parser is not built (pip install -e .)"
    return request.param
