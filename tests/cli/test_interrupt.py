"""Ctrl-C during an import, in DuckDB or in Python: exit 130, one line, no traceback, nothing stored."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from advisor.cli import EXIT_INTERRUPTED, _is_duckdb_interrupt
from advisor.logs.fast import C_PARSER_ENV
from advisor.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
#: Copies of a generated log in the big file: enough for a bulk insert of several seconds.
COPIES = 60
#: When the interrupt is sent: after start-up, well inside the insert.
INTERRUPT_AFTER_S = 1.5


def _big_log(path: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_logs import generate
    finally:
        sys.path.pop(0)
    chunk = path.with_suffix(".chunk")
    generate(chunk, 45_000, seed=11)
    data = chunk.read_bytes()
    with path.open("wb") as out:
        for _ in range(COPIES):
            out.write(data)
    return path


@pytest.mark.parametrize("parser", [
    # DuckDB's SQL parses the file: the interrupt arrives inside its bulk insert statement.
    "off",
    # The C parser streams the copies into DuckDB and finds their repeated request ids at the
    # end, so the import goes on through the general path (parsed in parts, staged in DuckDB):
    # the interrupt arrives in a DuckDB statement or in Python (typer's Exit(130)).
    "on",
])
def test_ctrl_c_during_an_import_exits_130_without_a_traceback(tmp_path: Path, parser: str) -> None:
    log = _big_log(tmp_path / "big.log")
    advisor = shutil.which("advisor") or str(Path(sys.executable).parent / "advisor")
    child = subprocess.Popen(
        [advisor, "import", "logs", str(log), "--function", "f", "--workspace", str(tmp_path / "ws")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env={**os.environ, C_PARSER_ENV: parser},
    )
    time.sleep(INTERRUPT_AFTER_S)
    assert child.poll() is None, "the import ended before it could be interrupted"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == EXIT_INTERRUPTED, (out, err)
    assert err == "interrupted: nothing was left half-done.\n"
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.functions() == []
        assert ws.connection.execute("SELECT count(*) FROM invocations").fetchone()[0] == 0


def _interrupted_query_error(con: duckdb.DuckDBPyConnection) -> BaseException:
    stopper = threading.Timer(0.2, con.interrupt)
    stopper.start()
    try:
        con.execute("SELECT count(*) FROM range(10000000000) t(x) WHERE x % 7 = 3").fetchall()
    except BaseException as exc:  # noqa: BLE001 - the point is to see what DuckDB raises
        return exc
    finally:
        stopper.cancel()
    raise AssertionError("the query was not interrupted")


def test_an_interrupted_duckdb_statement_counts_as_ctrl_c_and_other_errors_do_not() -> None:
    assert _is_duckdb_interrupt(_interrupted_query_error(duckdb.connect()))
    assert _is_duckdb_interrupt(RuntimeError("Query interrupted"))
    assert not _is_duckdb_interrupt(RuntimeError("something else"))
    assert not _is_duckdb_interrupt(duckdb.ConversionException("Could not convert"))
