"""Exports, JSON log format and Insights samples: records, times, streams, function names.

Expected values are read off the samples; times are the event times written there
(converted to UTC where the copy carries a local offset).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from advisor.errors import InputError
from advisor.logs import read_paths
from advisor.logs.exports import CloudWatchJsonParser, ConsoleCsvParser
from advisor.logs.insights import InsightsCsvParser, InsightsJsonParser, LambdaInsightsParser
from advisor.logs.text import TextParser

from ._formats import markdown_table_csv, python_dict_json
from ._samples import sample, write


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def only(result):
    assert len(result.records) == 1, result.counts
    return result.records.iloc[0]


def test_sam_logs_give_log_stream_times_and_snapstart_fields():
    result = TextParser().parse(sample("S149"), source="S149")
    records = result.records
    assert list(records.request_id) == [
        "b771fecc-1b53-4faf-922d-1d74357b1676", "7667964c-05ac-4891-b28c-56f1282ebc1b",
        "c5617d6b-3eff-409b-bff8-7f6ed83c319a", "09cea32b-12e6-4283-9092-15e3fd5eabf8",
        "010f6002-d185-4e96-9971-5360a2c6aa72"]
    assert set(records.log_stream) == {"2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741"}
    first = records.iloc[0]
    assert first.end_time == ts("2023-07-05T10:16:34.686Z")
    assert first.start_time == ts("2023-07-05T10:16:34.686Z") - pd.Timedelta(milliseconds=306.34)
    assert (first.restore_ms, first.billed_restore_ms, first.billed_duration_ms) == (511.25, 303, 610)
    assert list(records.end_time.dt.strftime("%H:%M:%S.%f").str[:-3]) == [
        "10:16:34.686", "10:16:44.067", "10:16:56.031", "10:16:58.061", "10:17:00.017"]
    assert result.lines == result.parsed + result.ignored


def test_console_copy_with_local_offset_is_converted_to_utc():
    records = TextParser().parse(sample("S214"), source="S214").records
    assert list(records.request_id) == ["ca7dfb1a-9b58-4a07-ba4d-feeea6d61f80",
                                        "7e16e208-7b23-44ec-8ce0-793210971ed6"]
    cold = records.iloc[0]
    assert cold.end_time == ts("2023-12-15T05:28:12.850Z")
    assert (cold.duration_ms, cold.billed_duration_ms, cold.init_ms) == (133.17, 215, 81.74)
    # start = end - duration - init = 12.850 s - 133.17 ms - 81.74 ms
    assert cold.start_time == ts("2023-12-15T05:28:12.635090Z")


def test_console_copy_timeout_without_status_field():
    row = only(TextParser().parse(sample("S220"), source="S220"))
    assert row.end_time == ts("2023-02-12T22:45:21.224Z")
    assert (row.status, row.duration_ms, row.billed_duration_ms) == ("timeout", 2004.97, 2000)


def test_console_copy_with_time_on_its_own_line_dates_the_next_line():
    row = only(TextParser().parse(sample("S222"), source="S222"))
    assert row.end_time == ts("2025-05-21T03:29:28.374Z")
    assert row.init_ms == 1494.57


@pytest.mark.parametrize(("sid", "end", "duration", "billed"), [
    ("S190", "2016-10-01T10:47:56.920Z", 352.40, 400),
    ("S191", "2024-11-01T06:05:46.323Z", 2827.05, 2828),
    ("S192", "2026-05-14T16:10:29.574Z", 18711.65, 19611),
])
def test_iso_prefixed_export_lines(sid, end, duration, billed):
    row = only(TextParser().parse(sample(sid), source=sid))
    assert (row.end_time, row.duration_ms, row.billed_duration_ms) == (ts(end), duration, billed)


def test_get_log_events_cli_output_with_two_json_documents():
    result = CloudWatchJsonParser().parse(sample("S047"), source="S047")
    row = only(result)
    assert row.request_id == "4ce9340a-b765-490f-ad8a-02ab3415e2bf"
    assert row.end_time == pd.Timestamp(1559763003218, unit="ms", tz="UTC")
    assert (row.duration_ms, row.billed_duration_ms, row.max_memory_used_mb) == (26.73, 27, 75)
    # the {"StatusCode": 200} document and four START/app/END events
    assert (result.lines, result.parsed, result.ignored) == (6, 1, 5)


def test_subscription_payload_gives_function_and_log_stream():
    result = CloudWatchJsonParser().parse(sample("S112"), source="S112")
    row = only(result)
    assert result.function == "hello-dog-node-dev-hello12x"
    assert row.log_stream == "2020/03/05/[$LATEST]20bddfd5a2dc4c6b97ac02800eae90d0"
    assert row.end_time == pd.Timestamp(1583425836750, unit="ms", tz="UTC")
    assert (row.duration_ms, row.billed_duration_ms, row.max_memory_used_mb) == (619.31, 700, 118)


def test_subscription_payload_with_task_timed_out_line_is_a_timeout():
    row = only(CloudWatchJsonParser().parse(sample("S114"), source="S114"))
    assert (row.request_id, row.status, row.init_ms) == (
        "7c9567b5-107b-4a6c-8798-0157ac21db52", "timeout", 127.02)


@pytest.mark.parametrize("wrap", ["awslogs", "bare"])
def test_subscription_payload_gzip_base64(tmp_path: Path, wrap: str):
    data = base64.b64encode(gzip.compress(sample("S116").encode())).decode()
    path = tmp_path / "payload.json"
    path.write_text(json.dumps({"awslogs": {"data": data}}) if wrap == "awslogs" else data)
    result = read_paths([path])
    row = only(result)
    assert result.function == "storms-cloudwatch-event"
    assert (row.request_id, row.duration_ms, row.billed_duration_ms, row.init_ms) == (
        "db275f87-a934-471a-8980-b63bf4dc1beb", 1.76, 100, 120.96)
    assert row.end_time == pd.Timestamp(1591284559101, unit="ms", tz="UTC")


def test_console_csv_download():
    result = ConsoleCsvParser().parse(sample("S219"), source="S219")
    row = only(result)
    assert (row.request_id, row.duration_ms, row.billed_duration_ms, row.memory_mb,
            row.max_memory_used_mb, row.init_ms) == ("<requestId>", 20844.05, 20925, 640, 113, 80.95)
    assert row.end_time == pd.Timestamp(1751235619613, unit="ms", tz="UTC")
    assert result.lines == 6


def test_logs_insights_api_json_uses_the_message_and_log_stream():
    # Rows of S186 (get-query-results), written as the API returns them.
    document = {"status": "Complete", "results": [
        [{"field": "@logStream", "value": "2023/12/05/[$LATEST]e34ea4d32b8f441c96246bbee30ff465"},
         {"field": "@message", "value": "END RequestId: 76269889-7d50-4d6d-a3f1-9b4f5322f47c\n"},
         {"field": "@timestamp", "value": "2023-12-05 22:14:43.877"}, {"field": "@type", "value": "END"}],
        [{"field": "@logStream", "value": "2023/12/05/[$LATEST]e34ea4d32b8f441c96246bbee30ff465"},
         {"field": "@message", "value": "REPORT RequestId: 76269889-7d50-4d6d-a3f1-9b4f5322f47c\tDuration: "
                                        "14.97 ms\tBilled Duration: 15 ms\tMemory Size: 128 MB\tMax Memory "
                                        "Used: 67 MB\t\n"},
         {"field": "@timestamp", "value": "2023-12-05 22:14:43.877"}, {"field": "@type", "value": "REPORT"},
         {"field": "@billedDuration", "value": "15.0"}, {"field": "@duration", "value": "14.97"},
         {"field": "@maxMemoryUsed", "value": "6.7E7"}, {"field": "@memorySize", "value": "1.28E8"}],
    ]}
    parser = InsightsJsonParser()
    assert parser.sniff(json.dumps(document))
    row = only(parser.parse(json.dumps(document), source="S186"))
    assert (row.request_id, row.duration_ms, row.billed_duration_ms, row.memory_mb,
            row.max_memory_used_mb) == ("76269889-7d50-4d6d-a3f1-9b4f5322f47c", 14.97, 15, 128, 67)
    assert row.end_time == ts("2023-12-05T22:14:43.877Z")
    assert row.log_stream == "2023/12/05/[$LATEST]e34ea4d32b8f441c96246bbee30ff465"


def test_logs_insights_csv_fields_in_bytes_become_mb():
    text = markdown_table_csv("S187")()  # S187's markdown table, as the console's CSV export writes it
    parser = InsightsCsvParser()
    assert parser.sniff(text)
    records = parser.parse(text, source="S187").records
    assert list(records.request_id) == ["923b54a2-bd35-4d54-a9b9-90b36525a84a",
                                        "aed443ac-f6df-48ce-bc7c-fc0513efbbba"]
    assert list(records.memory_mb) == [1024, 1024]
    assert list(records.max_memory_used_mb) == [119, 119]
    assert list(records.billed_duration_ms) == [2895, 2221]
    assert list(records.init_ms) == [944.22, 834.66]
    assert records.end_time.iloc[0] == ts("2025-08-15T13:34:52.212Z")


def test_lambda_insights_performance_event():
    result = LambdaInsightsParser().parse(sample("S188"), source="S188")
    row = only(result)
    assert result.function == "cpu-intensive"
    assert (row.request_id, row.duration_ms, row.billed_duration_ms, row.memory_mb,
            row.max_memory_used_mb, row.init_ms, row.status) == (
        "12345678-8bcc-42f7-b1de-123456789012", 45191.0, 45200, 256, 63, 130.0, "timeout")
    assert row.end_time == pd.Timestamp(1605034324256, unit="ms", tz="UTC")


def test_lambda_insights_managed_instance_event_has_no_invocation():
    result = LambdaInsightsParser().parse(sample("S189"), source="S189")
    assert result.records.empty and (result.lines, result.ignored) == (1, 1)


@pytest.mark.parametrize(("sid", "rid", "duration", "billed", "memory", "used", "init", "status"), [
    ("S117", "4d789d71-2f2c-4c66-a4b5-531a0223233d", 0.62, 100, 128, 51, None, "success"),
    ("S118", "4d789d71-2f2c-4c66-a4b5-531a0223233d", 0.81, 100, 128, 90, 1234.0, "success"),
    ("S119", "b441820a-ebe5-4d5f-93bc-f945707b0225", 30000.0, 30000, 128, 74, 985.413, "timeout"),
    ("S120", "4f423807-598d-47ae-9652-4f7ee31d4d10", 2.524, None, None, None, None, "success"),
])
def test_json_log_format_platform_report(sid, rid, duration, billed, memory, used, init, status):
    row = only(TextParser().parse(python_dict_json(sid)(), source=sid))
    assert (row.request_id, row.duration_ms, row.status) == (rid, duration, status)
    assert (None if pd.isna(row.billed_duration_ms) else row.billed_duration_ms) == billed
    assert (None if pd.isna(row.memory_mb) else row.memory_mb) == memory
    assert (None if pd.isna(row.max_memory_used_mb) else row.max_memory_used_mb) == used
    assert (None if pd.isna(row.init_ms) else row.init_ms) == init


def test_json_runtime_done_and_report_merge_into_one_record():
    result = TextParser().parse(sample("S178"), source="S178")
    row = only(result)
    assert (row.request_id, row.status, row.duration_ms) == (
        "aec7a529-47f9-4090-be01-c9ed91bf83cf", "timeout", 5000.0)
    assert row.end_time == ts("2026-07-09T06:05:50.581Z")
    assert (result.lines, result.parsed) == (2, 2)


def test_json_runtime_done_alone_is_counted_but_makes_no_record():
    result = TextParser().parse(sample("S176"), source="S176")
    assert result.records.empty and (result.lines, result.parsed, result.ignored) == (1, 1, 0)


def test_json_init_report_gives_init_to_the_next_report_of_its_stream():
    init = sample("S175")  # initReport, 10000.487 ms (timed out init)
    report = sample("S172")
    row = only(TextParser().parse(init + "\n" + report, source="init+report"))
    assert (row.request_id, row.init_ms) == ("40f6c622-67a3-4159-97f2-ce364a0cb7a8", 10000.487)


@pytest.mark.parametrize(("sid", "billed", "init", "restore", "billed_restore"), [
    ("S181", 2, 10.0, None, None),
    ("S182", 201, None, 500.795, 53),
    ("S183", 4, 20.0, None, None),
])
def test_json_logresult_with_application_and_extension_lines(sid, billed, init, restore, billed_restore):
    result = TextParser().parse(sample(sid), source=sid)
    row = only(result)
    assert row.request_id == "d661f7cf-9208-46b9-85b0-213b04a91065"
    assert row.end_time == ts("2024-02-09T08:42:44.080Z")
    assert row.billed_duration_ms == billed
    assert (None if pd.isna(row.init_ms) else row.init_ms) == init
    assert (None if pd.isna(row.restore_ms) else row.restore_ms) == restore
    assert (None if pd.isna(row.billed_restore_ms) else row.billed_restore_ms) == billed_restore


def test_cloudwatch_console_json_dump():
    records = TextParser().parse(sample("S166"), source="S166").records
    assert list(records.request_id) == ["79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36",
                                        "f0c9f58b-8ebe-4e84-a656-95eb6eee865a"]
    assert list(records.duration_ms) == [1233.96, 1072.145]
    assert list(records.billed_duration_ms) == [1698, 1073]
    assert records.init_ms.iloc[0] == 463.512 and pd.isna(records.init_ms.iloc[1])


def test_telemetry_api_report_events_parse_as_json_lines():
    text = sample("S104") + "\n" + sample("S105") + "\n" + sample("S106") + "\n" + sample("S107")
    records = TextParser().parse(text, source="telemetry").records
    assert list(records.request_id) == ["459921b5-681c-4a96-beb0-81e0aa586026",
                                        "13d1305b-a2f5-440c-bfbe-686ccff3d3e0"]
    assert list(records.duration_ms) == [2599.4, 1.148]
    assert records.init_ms.iloc[0] == 549.04


def test_invoke_logresult_base64_decoded_is_a_text_block():
    decoded = base64.b64decode(sample("S184")).decode()
    row = only(TextParser().parse(decoded, source="S184"))
    assert row.request_id == "479fb51c-1e38-11e7-99ca-67bf163608ed"


def test_filter_log_events_like_listing_newest_first():
    row = only(TextParser().parse(sample("S164"), source="S164"))
    assert (row.request_id, row.duration_ms, row.restore_ms, row.billed_restore_ms) == (
        "24addd09-6e64-49fb-b187-94ba9b60b59a", 127.10, 325.93, 26)


def test_invoke_tail_response_without_decodable_log_has_no_records(tmp_path: Path):
    with pytest.raises(InputError, match="holds no Lambda"):
        read_paths([write(tmp_path, "S045", name="tail.json")], function="f")


@pytest.mark.parametrize("sid", ["S205", "S206", "S207", "S208", "S209", "S210", "S211"])
def test_emulator_output_is_recognised(tmp_path: Path, sid: str):
    path = write(tmp_path, sid)
    with pytest.raises(InputError, match="emulator"):
        read_paths([path], function="f")
    assert not read_paths([path], function="f", allow_emulator=True).records.empty


@pytest.mark.parametrize("sid", ["S129", "S126", "S013"])
def test_real_out_of_memory_and_custom_runtime_reports_are_not_taken_for_the_emulator(
        tmp_path: Path, sid: str):
    assert not read_paths([write(tmp_path, sid)], function="f").emulator


def test_every_log_variant_with_records_is_covered_somewhere():
    covered = set(re.findall(r'"(S\d{3})"', Path(__file__).read_text()))
    covered |= set(re.findall(r'"(S\d{3})"', (Path(__file__).parent / "test_report_samples.py").read_text()))
    from ._samples import _all, variant

    log_variants = {variant(s) for s in _all() if variant(s).startswith(
        ("text-", "export-", "json-", "insights-", "lambda-insights", "invoke-", "emulator-rie-report",
         "cloudwatch-"))}
    assert log_variants <= {variant(s) for s in covered}
