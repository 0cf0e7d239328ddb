"""A bulk insert flushes the database file to disk while it runs, so that its commit waits less."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import advisor.workspace
from advisor.workspace import _writing_back


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The inodes synced (os.fdatasync, which runs too), every 10 ms inside ``_writing_back``."""
    calls: list[int] = []
    real = getattr(os, "fdatasync", os.fsync)

    def record(fd: int) -> None:
        calls.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(advisor.workspace, "WRITEBACK_SECONDS", 0.01)
    monkeypatch.setattr(os, "fdatasync", record, raising=False)
    monkeypatch.setattr(os, "fsync", record)
    return calls


def test_the_file_is_synced_repeatedly_while_the_block_runs_and_not_after(tmp_path: Path, synced: list[int]):
    path = tmp_path / "store.duckdb"
    path.write_bytes(b"x" * 4096)
    with _writing_back(path):
        time.sleep(0.2)
    during = len(synced)
    time.sleep(0.05)
    assert during >= 3 and set(synced) == {path.stat().st_ino}
    assert len(synced) == during


def test_a_missing_file_is_no_error(tmp_path: Path, synced: list[int]):
    with _writing_back(tmp_path / "absent.duckdb"):
        time.sleep(0.03)
    assert synced == []


def test_a_file_system_refusing_to_sync_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def refuse(fd: int) -> None:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(advisor.workspace, "WRITEBACK_SECONDS", 0.01)
    monkeypatch.setattr(os, "fdatasync", refuse, raising=False)
    monkeypatch.setattr(os, "fsync", refuse)
    path = tmp_path / "store.duckdb"
    path.write_bytes(b"x")
    with _writing_back(path):
        time.sleep(0.05)
