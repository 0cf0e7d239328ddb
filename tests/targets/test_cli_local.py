"""``advisor local invoke`` and ``advisor local replay`` end to end, with real workers."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ECHO = f"{HERE / 'handlers.py'}:echo"
SLEEP = f"{HERE / 'handlers.py'}:sleep"
RECORD_KEYS = ["request_id", "start_time", "end_time", "duration_ms", "billed_duration_ms", "memory_mb",
               "max_memory_used_mb", "init_ms", "restore_ms", "billed_restore_ms", "status",
               "error_type", "log_stream"]


def test_invoke_json_prints_records_and_whether_cpu_is_limited(cli):
    result = cli("local", "invoke", ECHO, "--memory", "1769", "-n", "3", "--payload", '{"x": 1}', "--json")

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["cpu_limited"] is True
    assert [list(r) for r in document["records"]] == [RECORD_KEYS] * 3
    inits = [r["init_ms"] is not None for r in document["records"]]
    assert inits == [True, False, False]
    assert {r["memory_mb"] for r in document["records"]} == {1769}
    assert all(r["end_time"].endswith("Z") for r in document["records"])


def test_invoke_reads_the_payload_from_a_file_and_renders_a_table(cli, tmp_path):
    payload = tmp_path / "event.json"
    payload.write_text('{"name": "from-file"}')
    result = cli("local", "invoke", ECHO, "--memory", "1024", "--payload", f"@{payload}")

    assert result.exit_code == 0, result.stderr
    assert "from-file" in result.stdout
    assert "Invocations" in result.stdout
    assert "CPU limited to 0.579 vCPU (cgroup quota); memory limit: cgroup." in result.stdout


def test_invoke_with_bad_payload_json_exits_2_naming_the_value(cli):
    result = cli("local", "invoke", ECHO, "--memory", "1024", "--payload", "{oops")

    assert result.exit_code == 2
    assert _unwrapped(result.stderr).startswith("error: --payload '{oops' is not valid JSON")
    assert "Traceback" not in result.stderr


def test_invoke_with_a_payload_file_of_bad_json_exits_3_naming_the_file(cli, tmp_path):
    payload = tmp_path / "bad.json"
    payload.write_text("[1, 2")
    result = cli("local", "invoke", ECHO, "--memory", "1024", "--payload", f"@{payload}")

    assert result.exit_code == 3
    assert f"payload file {payload} is not valid JSON" in _unwrapped(result.stderr)


def test_invoke_with_a_missing_handler_file_exits_4(cli):
    result = cli("local", "invoke", "no/such/handler.py:handler", "--memory", "1024")

    assert result.exit_code == 4
    assert "handler file no/such/handler.py does not exist" in _unwrapped(result.stderr)


def test_invoke_with_a_handler_that_fails_to_import_exits_6_with_the_import_error(cli):
    result = cli("local", "invoke", f"{HERE / 'broken_import.py'}:handler", "--memory", "1024")

    assert result.exit_code == 6
    assert "No module named 'advisor_no_such_dependency'" in _unwrapped(result.stderr)
    assert "Traceback" not in result.stderr


def _unwrapped(text: str) -> str:
    """The error console wraps long lines at the report width; compare the words."""
    return " ".join(text.split())


def _trace(path: Path, seconds: list[float]) -> Path:
    rows = [f"2026-01-01T00:00:{s:06.3f}Z,{100}" for s in seconds]
    path.write_text("timestamp,duration_ms\n" + "\n".join(rows) + "\n")
    return path


def test_replay_sends_concurrent_requests_to_new_workers_and_expires_them_after_the_keep_alive(
        cli, tmp_path):
    # At 2x: arrivals at 0, 0.05, 4.0 and 5.5 s; keep-alive 4 s becomes 2 s.
    trace = _trace(tmp_path / "trace.csv", [0.0, 0.1, 8.0, 11.0])
    log = tmp_path / "replay.log"
    result = cli("local", "replay", SLEEP, "--trace", trace, "--memory", "1769", "--payload",
                 '{"seconds": 0.3}', "--keep-alive", "4", "--speedup", "2", "--log", log, "--json")

    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["requests"] == 4
    assert summary["cold_starts"] == 3     # two overlapping, one after the keep-alive
    assert summary["environments"] == 3
    assert summary["peak_concurrency"] == 2
    assert summary["cpu_oversubscribed"] is True  # 2 x 1 vCPU > the 1.75 cores workers may use
    assert summary["throttled"] == 0
    assert summary["latency_ms"]["p50"] >= 300
    assert log.read_text().count("\tDuration: ") == 4


def test_replay_beyond_the_concurrency_limit_counts_throttled_requests(cli, tmp_path):
    trace = tmp_path / "epoch.csv"
    trace.write_text("timestamp\n1700000000.0\n1700000000.05\n")
    result = cli("local", "replay", SLEEP, "--trace", trace, "--memory", "1769", "--payload",
                 '{"seconds": 0.5}', "--max-concurrency", "1")

    assert result.exit_code == 0, result.stderr
    assert "throttled" in result.stdout
    assert "│ throttled" in result.stdout and " 1 │" in result.stdout


def test_replay_with_a_bad_timestamp_exits_3_naming_the_line(cli, tmp_path):
    trace = tmp_path / "bad.csv"
    trace.write_text("timestamp\n2026-01-01T00:00:00Z\nyesterday\n")
    result = cli("local", "replay", ECHO, "--trace", trace, "--memory", "1769")

    assert result.exit_code == 3
    assert (f"{trace}:3: timestamp 'yesterday' is neither epoch seconds nor ISO 8601"
            in _unwrapped(result.stderr))
