"""The journal: written before the first change, restored on success, error, Ctrl-C, SIGTERM, and
by ``advisor restore`` after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import InputError, TargetError
from advisor.targets import LocalTarget
from advisor.tune.journal import Journal, journal_path, restore_function, tuning, write_atomically
from advisor.tune.lock import TuningLockedError, lock_path

from .file_target import FileTarget, created_files, make_function

REPO = Path(__file__).resolve().parents[2]
HANDLERS = REPO / "tests" / "targets" / "handlers.py"
ORIGINAL = {"memory_mb": 1024, "environment": {"MODEL": "resnet"}}

TUNER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tests.tune.file_target import FileTarget
    from advisor.tune.journal import tuning
    target = FileTarget(sys.argv[2])
    with tuning(target, workspace=Path(sys.argv[1]), function="fn", study="s") as run:
        target.configure(2048)
        target.configure(3008)
        print("changed", flush=True)
        time.sleep(60)
    print("restored:", run.restored, flush=True)
""")


@pytest.fixture
def function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(REPO))  # the restorer, tests.tune.file_target, is importable
    (tmp_path / "fn").mkdir()
    return make_function(tmp_path / "fn")


def _state(function: Path) -> dict:
    return json.loads(function.read_text())


def test_the_original_is_journaled_before_the_first_change_and_removed_after(tmp_path, function):
    workspace = tmp_path / "ws"
    target = FileTarget(function)
    with tuning(target, workspace=workspace, function="fn", study="s") as run:
        journaled = json.loads(journal_path(workspace, "fn").read_text())
        assert journaled["original"]["state"] == ORIGINAL and journaled["created"] == {}
        assert journaled["study"] == "s" and journaled["pid"] == os.getpid()
        target.configure(2048)
        assert json.loads(journal_path(workspace, "fn").read_text())["created"]["versions"] == [
            p.name for p in created_files(function)]
        assert _state(function)["memory_mb"] == 2048
    assert _state(function) == ORIGINAL and created_files(function) == []
    assert not journal_path(workspace, "fn").exists()
    assert run.restored == ["restored the original configuration"]


@pytest.mark.parametrize("fault", [RuntimeError("model diverged"), KeyboardInterrupt()])
def test_an_exception_or_ctrl_c_mid_tuning_leaves_everything_restored(tmp_path, function, fault):
    workspace = tmp_path / "ws"
    target = FileTarget(function)
    with pytest.raises(type(fault)), tuning(target, workspace=workspace, function="fn"):
        target.configure(4096)
        raise fault
    assert _state(function) == ORIGINAL and created_files(function) == []
    assert not journal_path(workspace, "fn").exists()
    with tuning(target, workspace=workspace, function="fn"):  # and the lock is free again
        pass


def test_a_second_tuning_is_refused_while_the_first_runs(tmp_path, function):
    workspace = tmp_path / "ws"
    with tuning(FileTarget(function), workspace=workspace, function="fn", study="first"):
        with pytest.raises(TuningLockedError, match=r"fn is already being tuned by pid \d+ .*\(study first\)"):
            with tuning(FileTarget(function), workspace=workspace, function="fn"):
                pass
        with pytest.raises(TuningLockedError):
            restore_function(workspace, "fn")  # nor restored from under it


def test_the_journal_is_written_atomically_owner_only_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "j" / "fn.json"
    write_atomically(path, {"secret": "x"})
    write_atomically(path, {"secret": "y"})
    assert json.loads(path.read_text()) == {"secret": "y"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["fn.json"]


def test_a_leftover_journal_stops_a_new_tuning_until_restored(tmp_path, function):
    workspace = tmp_path / "ws"
    Journal.begin(workspace, "fn", FileTarget(function).snapshot())
    with pytest.raises(TargetError, match=r"an earlier tuning of fn left its journal .*Run `advisor restore fn` first"):
        with tuning(FileTarget(function), workspace=workspace, function="fn"):
            pass


def test_restore_without_a_journal_says_so_and_creates_nothing(tmp_path, cli):
    workspace = tmp_path / "empty"
    assert restore_function(workspace, "fn") is None
    result = cli("restore", "fn", "--workspace", workspace)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"nothing to restore for fn: no journal at {journal_path(workspace, 'fn')}"
    assert not workspace.exists()


def test_a_damaged_journal_is_named_and_kept(tmp_path):
    path = journal_path(tmp_path, "fn")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(InputError, match=rf"cannot read the tuning journal {path}"):
        restore_function(tmp_path, "fn")
    assert path.exists()


def test_a_target_with_nothing_to_restore_is_still_journaled_and_locked(tmp_path):
    workspace = tmp_path / "ws"
    with LocalTarget(f"{HANDLERS}:echo", memory_mb=512) as target, \
            tuning(target, workspace=workspace, function="echo") as run:
        assert Journal.load(workspace, "echo").original is None
        target.configure(1024)
        assert target.invoke({})["memory_mb"] == 1024
    assert run.restored == [] and target.memory_mb == 512
    assert not journal_path(workspace, "echo").exists() and lock_path(workspace, "echo").exists()


def _start_tuner(workspace: Path, function: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-c", TUNER, str(workspace), str(function)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None and process.stdout.readline().strip() == "changed"
    return process


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sigint_or_sigterm_to_a_tuner_process_restores_before_it_exits(tmp_path, function, signum):
    workspace = tmp_path / "ws"
    process = _start_tuner(workspace, function)
    assert _state(function)["memory_mb"] == 3008 and len(created_files(function)) == 2
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode != 0 and "KeyboardInterrupt" in err
    assert _state(function) == ORIGINAL and created_files(function) == []
    assert not journal_path(workspace, "fn").exists()


def test_after_sigkill_advisor_restore_in_another_process_puts_everything_back(tmp_path, function):
    workspace = tmp_path / "ws"
    process = _start_tuner(workspace, function)
    process.kill()
    process.wait()
    assert _state(function)["memory_mb"] == 3008 and len(created_files(function)) == 2
    assert json.loads(journal_path(workspace, "fn").read_text())["created"]["versions"] == [
        p.name for p in sorted(created_files(function), key=lambda p: p.stat().st_mtime)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    restore = [sys.executable, "-m", "advisor", "restore", "fn", "--workspace", str(workspace)]
    done = subprocess.run(restore, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"took over the tuning lock of fn from pid {process.pid} ")
    assert done.stdout.count("deleted version-") == 2
    assert "put back memory 1024 MB" in done.stdout and "fn is restored" in done.stdout
    assert _state(function) == ORIGINAL and created_files(function) == []
    again = subprocess.run(restore, capture_output=True, text=True, env=env, timeout=60)
    assert again.stdout.startswith("nothing to restore for fn")


def test_restore_json_says_whether_anything_was_restored_and_what(tmp_path, function, cli):
    workspace = tmp_path / "ws"
    target = FileTarget(function)
    journal = Journal.begin(workspace, "fn", target.snapshot())
    target.configure(2048)
    journal.record_created({"versions": [p.name for p in created_files(function)]})
    done = json.loads(cli("restore", "fn", "--workspace", workspace, "--json").stdout)
    assert done["function"] == "fn" and done["restored"] is True
    assert done["actions"][-1] == "put back memory 1024 MB" and done["actions"][0].startswith("deleted version-")
    assert _state(function) == ORIGINAL
    assert json.loads(cli("restore", "fn", "--workspace", workspace, "--json").stdout) == {
        "function": "fn", "restored": False, "actions": []}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)


@settings(max_examples=60)
@given(first=st.dictionaries(st.text(max_size=8), JSON, max_size=5),
       second=st.dictionaries(st.text(max_size=8), JSON, max_size=5))
def test_an_atomic_write_reads_back_exactly_and_replaces_the_last(first, second):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "journal" / "fn.json"
        write_atomically(path, first)
        assert json.loads(path.read_text()) == first
        write_atomically(path, second)
        assert json.loads(path.read_text()) == second
        assert [p.name for p in path.parent.iterdir()] == ["fn.json"]
