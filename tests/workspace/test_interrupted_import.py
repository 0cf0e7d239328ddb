"""An import killed inside its transaction leaves the store exactly as before; a held lock is named."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from advisor.errors import InputError
from advisor.workspace import PAUSE_ENV, Workspace

from ._records import make_records

WAIT_SECONDS = 60.0
CHILD = """
import sys
import pandas as pd
from advisor.workspace import Workspace
records = pd.read_pickle(sys.argv[2])
with Workspace.open(sys.argv[1]) as ws:
    ws.upsert_function("f", memory_mb=2048)
    ws.set_state("cursor", "after")
    ws.import_records(records, source="second", format="text", lines=2, parsed=2, ignored=0, rejected=0)
"""


def _snapshot(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, list, str | None]:
    with Workspace.open(path) as ws:
        log = ws.import_log().drop(columns=["imported_at"])
        return ws.invocations("f"), log, ws.functions(), ws.get_state("cursor")


def _wait_for(marker: Path, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not marker.exists():
        if child.poll() is not None:
            pytest.fail(f"child exited early: {child.stderr.read().decode()}")
        if time.monotonic() > deadline:
            pytest.fail("child never reached the pause inside the import transaction")
        time.sleep(0.05)


@pytest.mark.parametrize(("signum", "returncode"), [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, -signal.SIGINT)])
def test_import_killed_midway_leaves_store_unchanged_and_lock_is_reported(
    tmp_path: Path, signum: int, returncode: int
) -> None:
    ws_path = tmp_path / "ws"
    before_records = make_records("f", [("r1", "2026-01-01T00:00:01Z", 10.0, 100.0)])
    with Workspace.open(ws_path) as ws:
        ws.upsert_function("f", memory_mb=1024)
        ws.set_state("cursor", "before")
        ws.import_records(before_records, source="first", format="text", lines=1, parsed=1, ignored=0, rejected=0)
    before = _snapshot(ws_path)

    new = make_records("f", [("r1", "2026-01-01T00:00:01Z", 10.0, 100.0), ("r2", "2026-01-01T00:00:05Z", 20.0, None)])
    pickle = tmp_path / "new.pkl"
    new.to_pickle(pickle)
    marker = tmp_path / "paused"
    env = {**os.environ, PAUSE_ENV: str(marker)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws_path), str(pickle)], env=env, stderr=subprocess.PIPE
    )
    try:
        _wait_for(marker, child)
        with pytest.raises(InputError, match=rf"is in use by another process \(PID {child.pid}\)"):
            Workspace.open(ws_path)
    finally:
        child.send_signal(signum)
        child.wait(timeout=WAIT_SECONDS)
    assert child.returncode == returncode
    if signum == signal.SIGINT:  # Ctrl-C: KeyboardInterrupt ran through the rollback
        assert "KeyboardInterrupt" in child.stderr.read().decode()

    after = _snapshot(ws_path)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    # upsert_function and set_state committed before the import began: they are kept.
    assert [(f.name, f.memory_mb, f.invocations) for f in after[2]] == [("f", 2048, 1)]
    assert after[3] == "after"
    assert list(after[1]["source"]) == ["first"]
