"""Detection by content: the format each file is read as, why, and true words for files without records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.errors import InputError
from advisor.logs import read_paths

from ._samples import sample, write


def test_json_log_format_lines_with_application_lines_are_read_as_json_log(cli, tmp_path: Path):
    """Issue 12: these lines were taken for a filter_log_events export and refused as holding
    no invocation records (the application lines have a "message" key)."""
    path = write(tmp_path, "S181", name="function.log")
    result = cli("import", "logs", str(path), "-f", "f", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format"] == "json-log"
    [file] = document["files"]
    assert (file["file"], file["format"]) == (str(path), "json-log")
    assert "platform.report" in file["reason"]
    assert [r["request_id"] for r in document["records"]] == ["d661f7cf-9208-46b9-85b0-213b04a91065"]
    assert document["counts"] == {"lines": 4, "parsed": 2, "ignored": 2, "rejected": 0, "records": 1}


def test_the_dry_run_names_the_format_of_each_file(cli, tmp_path: Path):
    export = write(tmp_path, "S112", name="payload.json")
    lines = write(tmp_path, "S178", name="function.log")
    document = json.loads(cli("import", "logs", str(export), str(lines), "-f", "f", "--dry-run",
                              "--json").stdout)
    assert document["format"] == "cloudwatch-json+json-log"
    assert [(f["file"], f["format"]) for f in document["files"]] == [
        (str(export), "cloudwatch-json"), (str(lines), "json-log")]
    human = " ".join(cli("import", "logs", str(export), str(lines), "-f", "f", "--dry-run").stdout.split())
    assert f"read {export} as cloudwatch-json: a subscription filter payload" in human
    assert f"read {lines} as json-log: JSON platform events" in human


def test_a_file_two_formats_claim_is_read_by_the_one_that_yields_records(tmp_path: Path):
    event = json.dumps({"timestamp": 1718645035000, "message": "INIT_START Runtime Version: python:3.12.v40"})
    path = tmp_path / "mixed.log"
    path.write_text(event + "\n" + sample("S172") + "\n")
    result = read_paths([path], function="f")
    assert result.format == "text" and len(result.records) == 1
    [detection] = result.detections
    assert detection.reason.endswith("read as text because cloudwatch-json found no records in it")


def test_messages_printed_with_output_text_are_json_documents_on_one_line(tmp_path: Path):
    """``--query 'events[].message' --output text`` separates the messages with tabs."""
    path = tmp_path / "messages.txt"
    path.write_text("\t".join([sample("S176"), sample("S177")]) + "\n")
    result = read_paths([path], function="f")
    assert result.format == "json-log"
    row = result.records.iloc[0]
    assert (row.request_id, row.status) == ("aec7a529-47f9-4090-be01-c9ed91bf83cf", "timeout")


def test_aws_logs_tail_lines_of_json_log_format_keep_time_and_log_stream(tmp_path: Path):
    stream = "2024/06/17/[$LATEST]5d7c7e5d2b8f4a1c9a7f2b0e6c1d3f4a"
    path = tmp_path / "tail.log"
    path.write_text(f"2024-06-17T17:23:55.826000+00:00 {stream} {sample('S172')}\n")
    result = read_paths([path], function="f")
    assert result.format == "text"
    row = result.records.iloc[0]
    assert (row.request_id, row.log_stream) == ("40f6c622-67a3-4159-97f2-ce364a0cb7a8", stream)
    assert row.end_time.isoformat() == "2024-06-17T17:23:55.826000+00:00"


@pytest.mark.parametrize(("sid", "read_as", "held"), [
    ("S140", "text: lines Lambda writes (INIT_START)", "its 1 line: INIT_START (1)"),
    ("S224", "text: lines Lambda writes (RESTORE_START, RESTORE_REPORT)",
     "its 2 lines: RESTORE_START (1), RESTORE_REPORT (1)"),
    ("S216", "text: lines Lambda writes (INIT_REPORT)", "its 1 line: INIT_REPORT (1)"),
    ("S167", "json-log: JSON platform events of Lambda's JSON log format or Telemetry API "
             "(platform.initStart)", "its 1 event: platform.initStart (1)"),
    ("S176", "json-log: JSON platform events of Lambda's JSON log format or Telemetry API "
             "(platform.runtimeDone)", "its 1 event: platform.runtimeDone (1)"),
    ("S095", "json-log: JSON platform events of Lambda's JSON log format or Telemetry API (function)",
     "its 1 event: function events (1)"),
])
def test_a_valid_log_without_records_says_what_it_was_read_as_and_what_it_holds(
        tmp_path: Path, sid: str, read_as: str, held: str):
    path = write(tmp_path, sid)
    with pytest.raises(InputError) as caught:
        read_paths([path], function="f")
    message = str(caught.value)
    assert f"{path} holds no invocation records (read as {read_as}): {held}." in message


def test_an_invoke_response_is_named_for_what_it_is(tmp_path: Path):
    with pytest.raises(InputError, match="holds no Lambda log records: it is an 'aws lambda invoke' response"):
        read_paths([write(tmp_path, "S045", name="invoke.json")], function="f")


@pytest.mark.parametrize("width", [None, 76])
def test_an_invoke_log_result_in_base64_is_read_as_the_text_it_encodes(tmp_path: Path, width: int | None):
    encoded = sample("S184")
    if width:  # as the base64 tool wraps it
        encoded = "\n".join(encoded[i:i + width] for i in range(0, len(encoded), width))
    path = tmp_path / "tail.b64"
    path.write_text(encoded + "\n")
    result = read_paths([path], function="f")
    assert result.format == "text"
    assert list(result.records.request_id) == ["479fb51c-1e38-11e7-99ca-67bf163608ed"]


def test_text_made_only_of_words_is_not_taken_for_base64(tmp_path: Path):
    path = tmp_path / "words.log"
    path.write_text("abcdefghijklmnopqrstuvwx\nREPORTRequestIdDuration\n")
    with pytest.raises(InputError, match="holds no Lambda log records: it is text"):
        read_paths([path], function="f")


def test_console_csv_with_its_columns_swapped(tmp_path: Path):
    path = tmp_path / "console.csv"
    path.write_text('message,timestamp\n"REPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 1 ms",'
                    "1751235619613\n")
    result = read_paths([path], function="f")
    assert result.format == "console-csv"
    assert str(result.records.end_time.iloc[0]) == "2025-06-29 22:20:19.613000+00:00"
