"""How invocations end when the handler runs out of memory, of time, or raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.errors import NotFoundError, TargetError, UsageError
from advisor.targets.local import LocalTarget

BROKEN = Path(__file__).resolve().parent / "broken_import.py"


def test_allocating_past_the_memory_size_is_out_of_memory_and_the_worker_is_replaced(local_target):
    target = local_target("allocate", memory_mb=512, timeout_s=10)
    assert target.describe()["memory_limit"] == "cgroup"
    result = target.call({"mb": 2048})

    assert result.record["status"] == "error"
    assert result.record["error_type"] == "Runtime.OutOfMemory"
    assert result.record["max_memory_used_mb"] >= 500
    assert target.workers == 0
    after = target.call({"mb": 10})
    assert (after.record["status"], after.record["init_ms"] is not None) == ("success", True)


def test_without_cgroups_peak_rss_polling_reports_out_of_memory(local_target):
    target = local_target("allocate", memory_mb=512, timeout_s=10, isolation="none")
    assert target.describe()["memory_limit"] == "rss-polling"
    assert target.describe()["cpu_limited"] is False
    result = target.call({"mb": 2048})

    assert (result.record["status"], result.record["error_type"]) == ("error", "Runtime.OutOfMemory")
    assert result.record["max_memory_used_mb"] > 512


def test_a_sleep_past_the_timeout_is_a_timeout_billed_at_the_timeout(local_target):
    target = local_target("sleep", timeout_s=0.5)
    warm_up = target.call({"seconds": 0})
    result = target.call({"seconds": 5})

    assert warm_up.record["status"] == "success"
    assert result.record["status"] == "timeout"
    assert result.record["error_type"] is None
    assert result.record["duration_ms"] == 500.0
    assert result.record["billed_duration_ms"] == 500
    assert any("Task timed out after 0.50 seconds" in line for line in result.logs)
    assert target.workers == 0  # the timed-out worker was killed


def test_a_raising_handler_reports_its_exception_type(local_target):
    target = local_target("fail")
    result = target.call({})

    assert (result.record["status"], result.record["error_type"]) == ("error", "QuotaExceeded")
    assert result.error_message == "no more quota for this tenant"
    assert "[ERROR] QuotaExceeded: no more quota for this tenant" in result.logs
    assert target.call({}).record["init_ms"] is None  # the worker survives a handler error


def test_a_response_that_is_not_json_is_a_marshal_error(local_target):
    result = local_target("not_json").call({})
    assert (result.record["status"], result.record["error_type"]) == ("error", "Runtime.MarshalError")


def test_a_handler_whose_import_fails_raises_a_target_error_naming_the_module():
    with LocalTarget(f"{BROKEN}:handler", memory_mb=1769) as target:
        with pytest.raises(TargetError, match="advisor_no_such_dependency"):
            target.invoke({})


def test_a_missing_handler_function_raises_a_target_error():
    with LocalTarget(f"{BROKEN.parent / 'handlers.py'}:nope", memory_mb=1769) as target:
        with pytest.raises(TargetError, match="HandlerNotFound"):
            target.invoke({})


@pytest.mark.parametrize(("spec", "error"), [
    ("handlers.py", UsageError),
    ("no/such/file.py:handler", NotFoundError),
    ("not a module:handler", UsageError),
    ("pkg.mod:not-an-identifier", UsageError),
])
def test_bad_handler_specs_are_refused_before_anything_runs(spec, error):
    with pytest.raises(error):
        LocalTarget(spec)


def test_memory_outside_lambdas_range_is_refused(local_target):
    with pytest.raises(UsageError, match="outside Lambda's memory size 128-10,240 MB"):
        local_target("echo", memory_mb=64)
