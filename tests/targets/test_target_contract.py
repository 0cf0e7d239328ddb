"""The Target contract: the suite every target passes, plugging in a user's class, cgroups."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from advisor.errors import NotFoundError, UsageError
from advisor.targets import LocalTarget, Target, load_target
from advisor.targets._base import RECORD_FIELDS
from advisor.targets._cgroup import probe
from advisor.record import COLUMNS

from .conftest import handler
from .inprocess_target import InProcessTarget
from .target_suite import MakeTarget, TargetSuite


class TestLocalTarget(TargetSuite):
    """The built-in local target: real handlers in worker processes."""

    @pytest.fixture
    def make_target(self) -> MakeTarget:
        return lambda memory_mb: LocalTarget(handler("echo_or_fail"), memory_mb=memory_mb)

    @pytest.fixture
    def failing_payload(self) -> dict:
        return {"fail": True}


class TestPluginTarget(TargetSuite):
    """A user's target written against the contract alone (tests/targets/inprocess_target.py)."""

    @pytest.fixture
    def make_target(self) -> MakeTarget:
        return InProcessTarget

    @pytest.fixture
    def failing_payload(self) -> dict:
        return {"fail": True}


def test_invoke_returns_exactly_the_record_fields(local_target):
    record = local_target("echo").invoke({})
    assert tuple(record) == RECORD_FIELDS == COLUMNS


def test_a_user_target_class_is_loaded_by_dotted_path():
    assert load_target("advisor.targets.local:LocalTarget") is LocalTarget
    assert load_target("advisor.targets.local.LocalTarget") is LocalTarget
    assert issubclass(load_target("advisor.targets:LocalTarget"), Target)


@pytest.mark.parametrize(("spec", "error", "words"), [
    ("LocalTarget", UsageError, "is not path/to/file.py:ClassName or package.module:ClassName"),
    ("advisor.no_such_module:Thing", NotFoundError, "cannot import target module"),
    ("advisor.targets.local:NoSuchClass", NotFoundError, "has no 'NoSuchClass'"),
    ("advisor.targets.local:billed_ms", UsageError, "not a subclass of advisor.targets.Target"),
])
def test_bad_target_paths_say_what_is_wrong(spec, error, words):
    with pytest.raises(error, match=words):
        load_target(spec)


def test_restore_stops_workers_and_returns_to_the_initial_settings(local_target):
    target = local_target("echo", memory_mb=1024, keep_alive_s=30)
    target.configure(2048, keep_alive_s=5)
    target.invoke({})
    target.restore()

    assert (target.memory_mb, target.keep_alive_s) == (1024, 30)
    assert target.workers == 0
    assert target.invoke({})["memory_mb"] == 1024


def _our_groups() -> list[Path]:
    found = probe()
    return [group for root in (found.cpu, found.memory) if root is not None
            for group in root.glob(f"advisor-{os.getpid()}-*")]  # this test process's only


def test_workers_run_in_child_cgroups_of_our_own_that_are_removed_on_close():
    before = set(_our_groups())
    target = LocalTarget(f"{Path(__file__).parent / 'handlers.py'}:echo", memory_mb=1769)
    pid = target.call({}).response["pid"]
    worker_cgroups = Path(f"/proc/{pid}/cgroup").read_text()
    made = set(_our_groups()) - before
    target.close()

    own = Path("/proc/self/cgroup").read_text()
    for controller in ("cpu", "memory"):
        mine = next(line.split(":", 2)[2] for line in own.splitlines()
                    if controller in line.split(":")[1].split(","))
        theirs = next(line.split(":", 2)[2] for line in worker_cgroups.splitlines()
                      if controller in line.split(":")[1].split(","))
        assert theirs.startswith(mine.rstrip("/") + "/advisor-"), (controller, theirs)
    assert len(made) == 2  # one group per controller for the target
    assert not any(group.exists() for group in made)
