"""One tuning per function: the second is refused naming the first; a dead holder's lock is taken over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from advisor.tune.lock import TuneLock, TuningLockedError, lock_path, read_holder

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from advisor.tune.lock import TuneLock
    lock = TuneLock(Path(sys.argv[1]), "fn", study="nightly").acquire()
    print("held", flush=True)
    time.sleep(60)
""")


def _holder(workspace) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(workspace)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_second_tuning_of_the_same_function_is_refused_naming_the_first(tmp_path):
    with TuneLock(tmp_path, "fn", study="first-study"), pytest.raises(TuningLockedError) as refused:
        TuneLock(tmp_path, "fn", study="second").acquire()
    message = str(refused.value)
    assert f"fn is already being tuned by pid {os.getpid()} on {socket.gethostname()} since 20" in message
    assert "(study first-study)" in message and str(lock_path(tmp_path, "fn")) in message


def test_other_functions_are_not_locked(tmp_path):
    with TuneLock(tmp_path, "fn"), TuneLock(tmp_path, "other"):
        assert read_holder(tmp_path, "other") is not None


def test_a_tuner_in_another_live_process_is_named(tmp_path):
    process = _holder(tmp_path)
    try:
        with pytest.raises(TuningLockedError, match=rf"by pid {process.pid} on .* \(study nightly\)"):
            TuneLock(tmp_path, "fn").acquire()
    finally:
        process.kill()
        process.wait()


def test_the_lock_of_a_killed_tuner_is_taken_over_and_the_message_says_so(tmp_path):
    process = _holder(tmp_path)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with TuneLock(tmp_path, "fn", study="again") as lock:
        assert lock.taken_over is not None and lock.taken_over.pid == process.pid
        message = lock.takeover_message()
        assert read_holder(tmp_path, "fn").pid == os.getpid()
    assert message == (f"took over the tuning lock of fn from pid {process.pid} on {socket.gethostname()} "
                       f"since {lock.taken_over.started} (study nightly): that process is gone")


def test_a_released_lock_is_free_and_names_nobody(tmp_path):
    with TuneLock(tmp_path, "fn"):
        pass
    assert read_holder(tmp_path, "fn") is None
    with TuneLock(tmp_path, "fn") as lock:
        assert lock.taken_over is None and lock.takeover_message() is None
