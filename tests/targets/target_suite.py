"""The behaviour every :class:`~advisor.targets.Target` must have: one suite, run on each one.

As optuna runs one suite on every sampler and storage, each target's test module subclasses
:class:`TargetSuite` and provides the ``make_target`` fixture (a factory taking the initial
memory size) and ``failing_payload`` (an event that makes its function fail). A plugin written
against the contract passes it as the built-in targets do.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from advisor.errors import UsageError
from advisor.platform.aws_lambda import ARCHITECTURES
from advisor.record import STATUS_ERROR, STATUSES
from advisor.targets import RECORD_FIELDS, Target

MakeTarget = Callable[[int], Target]


class TargetSuite:
    """Subclass it as ``TestMyTarget`` and give the two fixtures below."""

    @pytest.fixture
    def make_target(self) -> MakeTarget:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    @pytest.fixture
    def failing_payload(self) -> Any:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def test_invoke_returns_a_complete_record_at_the_configured_memory(self, make_target: MakeTarget) -> None:
        with make_target(512) as target:
            target.configure(1024)
            record = target.invoke({})
        assert tuple(record) == RECORD_FIELDS
        assert record["status"] in STATUSES and record["memory_mb"] == 1024
        assert record["duration_ms"] > 0 and record["billed_duration_ms"] >= 1
        assert record["end_time"] >= record["start_time"]

    def test_a_new_configuration_starts_cold_then_stays_warm(self, make_target: MakeTarget) -> None:
        with make_target(512) as target:
            target.invoke({})
            target.configure(768)
            first, second = target.invoke({}), target.invoke({})
        assert first["init_ms"] is not None and first["init_ms"] >= 0
        assert second["init_ms"] is None

    def test_memory_outside_lambdas_bounds_is_refused_as_every_command_refuses_it(
        self, make_target: MakeTarget
    ) -> None:
        with make_target(512) as target:
            for memory in (64, 20_000):
                with pytest.raises(UsageError, match=f"{memory:,} is outside Lambda's memory size 128-10,240 MB"):
                    target.configure(memory)

    def test_restore_puts_back_the_initial_memory(self, make_target: MakeTarget) -> None:
        with make_target(640) as target:
            target.configure(2048)
            target.restore()
            assert target.invoke({})["memory_mb"] == 640

    def test_a_failing_function_gives_an_error_record_not_an_exception(
        self, make_target: MakeTarget, failing_payload: Any
    ) -> None:
        with make_target(512) as target:
            record = target.invoke(failing_payload)
        assert record["status"] == STATUS_ERROR and record["error_type"]

    def test_concurrent_invocations_each_get_their_own_record(self, make_target: MakeTarget) -> None:
        records: list[dict[str, Any]] = []
        lock = threading.Lock()
        with make_target(512) as target:
            def call() -> None:
                record = target.invoke({})
                with lock:
                    records.append(record)

            threads = [threading.Thread(target=call) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert len(records) == 4 and len({r["request_id"] for r in records}) == 4

    def test_close_is_idempotent_and_describe_is_plain_data(self, make_target: MakeTarget) -> None:
        target = make_target(512)
        assert isinstance(target.describe(), dict)
        target.close()
        target.close()

    def test_force_cold_starts_a_fresh_environment_at_the_same_configuration(
        self, make_target: MakeTarget
    ) -> None:
        with make_target(512) as target:
            target.configure(768)
            target.invoke({})
            warm = target.invoke({})
            target.force_cold()
            cold, after = target.invoke({}), target.invoke({})
        assert warm["init_ms"] is None
        assert cold["init_ms"] is not None and cold["memory_mb"] == 768
        assert after["init_ms"] is None and after["memory_mb"] == 768

    def test_every_architecture_it_lists_can_be_configured_and_others_are_refused(
        self, make_target: MakeTarget
    ) -> None:
        with make_target(512) as target:
            listed = target.architectures()
            assert listed and len(set(listed)) == len(listed) and set(listed) <= set(ARCHITECTURES)
            for architecture in listed:
                target.configure(512, architecture=architecture)
                assert target.invoke({})["architecture"] in (architecture, None)
            for other in [a for a in ARCHITECTURES if a not in listed] + ["sparc"]:
                with pytest.raises(UsageError, match=repr(other)):
                    target.configure(512, architecture=other)

    def test_snapshot_is_plain_json_and_stays_the_original_configuration(self, make_target: MakeTarget) -> None:
        with make_target(640) as target:
            before = target.snapshot()
            target.configure(2048)
            target.invoke({})
            during = target.snapshot()
            target.restore()
            assert target.invoke({})["memory_mb"] == 640
        assert before is None or json.loads(json.dumps(before)) == before
        assert during == before
