"""Cold starts, warm reuse, keep-alive expiry and concurrency, with real worker processes."""

from __future__ import annotations

import threading
import time

import pytest

from advisor.targets.local import ThrottledError


def test_first_invocation_is_cold_and_the_second_reuses_the_worker(local_target):
    target = local_target("echo", function_name="echo-fn")
    first = target.call({"n": 1})
    second = target.call({"n": 2})

    assert first.record["init_ms"] > 0
    assert first.record["billed_duration_ms"] >= first.record["init_ms"]  # init is billed
    assert second.record["init_ms"] is None
    assert second.response["pid"] == first.response["pid"]
    assert second.record["log_stream"] == first.record["log_stream"]
    assert first.response["event"] == {"n": 1}
    assert (first.record["status"], second.record["status"]) == ("success", "success")
    assert target.workers == 1


def test_the_context_is_like_lambdas(local_target):
    target = local_target("echo", memory_mb=512, timeout_s=3, function_name="echo-fn")
    result = target.call({})
    context = result.response

    assert context["request_id"] == result.record["request_id"]
    assert context["function_name"] == "echo-fn"
    assert context["memory_limit_in_mb"] == "512"
    assert context["env_memory"] == "512"
    assert context["log_stream_name"] == result.record["log_stream"]
    assert 2000 < context["remaining_ms"] <= 3000
    assert "module loaded" in result.logs  # module-level print is logged at init
    assert "echo {}" in result.logs


def test_a_worker_idle_past_the_keep_alive_is_stopped_and_the_next_request_is_cold(local_target):
    target = local_target("echo", keep_alive_s=0.5)
    first = target.call({})
    time.sleep(1.0)
    assert target.workers == 0  # the reaper stopped it
    again = target.call({})

    assert again.record["init_ms"] is not None
    assert again.response["pid"] != first.response["pid"]


def test_a_request_within_the_keep_alive_is_warm(local_target):
    target = local_target("echo", keep_alive_s=5)
    target.call({})
    time.sleep(0.3)
    assert target.call({}).record["init_ms"] is None


def test_two_concurrent_requests_get_two_workers(local_target):
    target = local_target("sleep", max_concurrency=4)
    results = []
    threads = [threading.Thread(target=lambda: results.append(target.call({"seconds": 0.8})))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert target.workers == 2
    assert len({r.response["pid"] for r in results}) == 2
    assert all(r.record["init_ms"] is not None for r in results)
    assert len({r.record["log_stream"] for r in results}) == 2


def test_a_request_beyond_the_concurrency_limit_is_throttled(local_target):
    target = local_target("sleep", max_concurrency=1)
    busy = threading.Thread(target=lambda: target.call({"seconds": 1.0}))
    busy.start()
    time.sleep(0.5)
    with pytest.raises(ThrottledError, match="all 1 workers are busy"):
        target.call({"seconds": 0})
    busy.join()


def test_configuring_another_memory_size_starts_new_environments(local_target):
    target = local_target("echo")
    target.call({})
    target.configure(1024)
    result = target.call({})

    assert result.record["init_ms"] is not None
    assert result.record["memory_mb"] == 1024
    assert result.response["memory_limit_in_mb"] == "1024"


def test_a_cold_start_pays_only_for_the_handlers_imports_not_advisors(local_target):
    assert local_target("heavy_modules").call({}).response == []
