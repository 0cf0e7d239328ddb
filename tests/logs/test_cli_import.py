"""``advisor import logs`` / ``import trace``: dry-run JSON, storing, and every error's message."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ._samples import sample, write

REPO = Path(__file__).resolve().parents[2]


def test_dry_run_json_on_a_real_console_copy(cli, tmp_path: Path):
    path = write(tmp_path, "S214", name="console.log")
    result = cli("import", "logs", str(path), "--function", "rust-demo", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "function": "rust-demo",
        "functions": ["rust-demo"],
        "format": "text",
        "files": [{"file": str(path), "format": "text",
                   "reason": "lines Lambda writes (REPORT, START, END, INIT_START)"}],
        "counts": {"lines": 12, "parsed": 2, "ignored": 10, "rejected": 0, "records": 2},
        "rejected": [],
        "records": [
            {"request_id": "ca7dfb1a-9b58-4a07-ba4d-feeea6d61f80",
             "start_time": "2023-12-15T05:28:12.635090Z", "end_time": "2023-12-15T05:28:12.850000Z",
             "duration_ms": 133.17, "billed_duration_ms": 215, "memory_mb": 128, "max_memory_used_mb": 26,
             "init_ms": 81.74, "restore_ms": None, "billed_restore_ms": None, "status": "success",
             "error_type": None, "log_stream": None},
            {"request_id": "7e16e208-7b23-44ec-8ce0-793210971ed6",
             "start_time": "2023-12-15T05:28:46.862460Z", "end_time": "2023-12-15T05:28:46.869000Z",
             "duration_ms": 6.54, "billed_duration_ms": 7, "memory_mb": 128, "max_memory_used_mb": 26,
             "init_ms": None, "restore_ms": None, "billed_restore_ms": None, "status": "success",
             "error_type": None, "log_stream": None},
        ],
    }


def test_dry_run_lists_rejections_with_file_and_line(cli, tmp_path: Path):
    path = tmp_path / "mixed.log"
    path.write_text(sample("S020") + "\n" + sample("S139") + "\n")
    document = json.loads(cli("import", "logs", str(path), "-f", "f", "--dry-run", "--json").stdout)
    assert document["rejected"] == [
        {"file": str(path), "line": 2, "reason": "truncated or malformed 'Memory Size': '25'"}]
    assert document["counts"] == {"lines": 2, "parsed": 1, "ignored": 0, "rejected": 1, "records": 1}


REPORT_LINE = ("REPORT RequestId: r1\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\t"
               "Max Memory Used: 50 MB\t")


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("console.csv", f'timestamp,message\n175121751235619613,"{REPORT_LINE}"\n',
     "timestamp '175121751235619613' is not epoch milliseconds (of the years 1677-2262)"),
    ("events.json", json.dumps({"events": [{"timestamp": 10**20, "message": REPORT_LINE}]}),
     "timestamp 100000000000000000000 ms is outside the years 1677-2262"),
    # Python's json reads Infinity and NaN; int() of them raised OverflowError and ValueError.
    ("infinite.json", '{"events": [{"timestamp": Infinity, "message": %s}]}' % json.dumps(REPORT_LINE),
     "timestamp inf ms is not a time"),
    ("nan.json", '{"events": [{"timestamp": NaN, "message": %s}]}' % json.dumps(REPORT_LINE),
     "timestamp nan ms is not a time"),
])
def test_a_time_beyond_what_a_timestamp_holds_is_a_rejected_line(cli, tmp_path: Path, name, text, reason):
    # Found by the parser contract's property test: the console CSV's epoch milliseconds were
    # multiplied into nanoseconds past int64, and the records table ended in an OverflowError.
    path = tmp_path / name
    path.write_text(text)
    done = cli("import", "logs", str(path), "-f", "f", "--dry-run", "--json")
    document = json.loads(done.stdout)
    assert document["rejected"] == [{"file": str(path), "line": 1, "reason": reason}]


def test_import_stores_and_reimport_adds_nothing(cli, tmp_path: Path):
    path = write(tmp_path, "S112", name="payload.json")  # log group /aws/lambda/hello-dog-node-dev-hello12x
    first = json.loads(cli("import", "logs", str(path), "--json").stdout)
    assert first["function"] == "hello-dog-node-dev-hello12x"
    assert first["stored"]["added"] == 1 and first["stored"]["duplicates"] == 0
    second = json.loads(cli("import", "logs", str(path), "--json").stdout)
    assert second["stored"]["added"] == 0 and second["stored"]["duplicates"] == 1
    report = cli("analyze", "hello-dog-node-dev-hello12x", "--json")
    assert report.exit_code == 0, report.stderr


def test_human_summary_shows_counts_and_first_rejections(cli, tmp_path: Path):
    path = tmp_path / "mixed.log"
    path.write_text(sample("S020") + "\n" + sample("S139") + "\n")
    result = cli("import", "logs", str(path), "-f", "f")
    assert result.exit_code == 0
    assert "added" in result.stdout and "│ parsed     │ 1 │" in result.stdout
    assert f"rejected {path}:2: truncated or malformed 'Memory Size': '25'" in " ".join(result.stdout.split())


def _gz_broken(tmp: Path) -> Path:
    path = tmp / "broken.log.gz"
    path.write_bytes(gzip.compress(b"REPORT RequestId: x\tDuration: 1.00 ms\n" * 50)[:40])
    return path


def _other_service(tmp: Path) -> Path:
    path = tmp / "nginx.log"
    path.write_text('127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326\n' * 3)
    return path


@pytest.mark.parametrize(("make", "args", "code", "message"), [
    (lambda t: t / "missing.log", [], 4, "missing.log: no such file. Check the path."),
    (_gz_broken, [], 3, "broken.log.gz: unreadable gzip"),
    (lambda t: (t / "empty.log").write_text("") and t / "empty.log" or t / "empty.log", [], 3,
     "empty.log is empty. Export the function's logs into it first."),
    (lambda t: (t / "blob.bin").write_bytes(b"\x00\x01\x02" * 100) and t / "blob.bin", [], 3,
     "blob.bin is a binary file, not a log."),
    (_other_service, [], 3, "nginx.log holds no Lambda log records"),
    (lambda t: write(t, "S020"), ["--format", "xml"], 2,
     "unknown --format 'xml'. Use one of: insights-json, lambda-insights, cloudwatch-json, json-log, "
     "console-csv, insights-csv, text."),
    (lambda t: write(t, "S020"), ["--function", "f", "--strict", "--format", "text"], 0, None),
    (lambda t: write(t, "S139"), ["--function", "f", "--strict"], 3,
     "S139.log:1: truncated or malformed 'Memory Size': '25'. Fix or remove that line"),
    (lambda t: write(t, "S205"), ["--function", "f"], 3, "looks like local emulator output"),
    (lambda t: write(t, "S020"), [], 2, "no function name: the input does not say which function it is. "
                                        "Pass --function NAME."),
])
def test_errors_are_one_line_with_what_to_do_and_exit_codes(cli, tmp_path: Path, make, args, code, message):
    path = make(tmp_path)
    result = cli("import", "logs", str(path), *args, "--dry-run")
    assert result.exit_code == code, result.stderr
    if message is None:
        assert result.stderr == ""
        return
    assert result.stderr.startswith("error: ")
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_emulator_output_is_accepted_with_allow_emulator(cli, tmp_path: Path):
    result = cli("import", "logs", str(write(tmp_path, "S205")), "-f", "f", "--allow-emulator",
                 "--dry-run", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["records"][0]["request_id"] == "bbe82927-68af-45f2-b83f-c14cd79f2eea"


def test_help_lists_the_format_names(cli):
    result = cli("import", "logs", "--help")
    text = " ".join(result.stdout.split())
    for name in ("insights-json", "lambda-insights", "cloudwatch-json", "console-csv", "insights-csv", "text"):
        assert name in text


def test_quickstart_trace_imports_and_analyzes(cli):
    path = REPO / "traces" / "azure2019-543bec406831_inv.csv"
    stored = json.loads(cli("import", "trace", str(path), "--json").stdout)
    assert stored["function"] == "543bec406831"
    assert stored["counts"]["records"] == 3192 and stored["stored"]["added"] == 3192
    report = json.loads(cli("analyze", "543bec406831", "--json").stdout)
    assert report["invocations"] == 3192
    assert report["first_start"] == "2019-07-15T00:00:08.024000Z"


def test_trace_unknown_format_names_the_choices(cli, tmp_path: Path):
    result = cli("import", "trace", str(REPO / "traces" / "azure2021-200.csv"), "--format", "parquet")
    assert result.exit_code == 2
    assert "Use one of: azure-2019, azure-2021, azure-llm-2023, csv." in " ".join(result.stderr.split())


def test_each_export_keeps_its_own_function_unless_one_is_given(cli, tmp_path: Path):
    a = write(tmp_path, "S112", name="a.json")  # /aws/lambda/hello-dog-node-dev-hello12x
    b = write(tmp_path, "S116", name="b.json")  # /aws/lambda/storms-cloudwatch-event
    both = json.loads(cli("import", "logs", str(a), str(b), "--json").stdout)
    assert both["function"] is None and both["stored"]["added"] == 2
    assert cli("analyze", "hello-dog-node-dev-hello12x", "--json").exit_code == 0
    assert cli("analyze", "storms-cloudwatch-event", "--json").exit_code == 0
    forced = json.loads(cli("import", "logs", str(a), str(b), "-f", "one", "--dry-run", "--json").stdout)
    assert forced["function"] == "one" and forced["counts"]["records"] == 2
