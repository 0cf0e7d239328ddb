"""Every REPORT variant of the real samples parses to the values written in the sample.

Expected values are read off the sample texts (``samples.jsonl``), not computed.
"""

from __future__ import annotations

import math

import pytest

from advisor.logs.text import TextParser

from ._samples import sample, variant

NA = None

# id, request id, Duration, Billed, Memory Size, Max Memory Used, Init, status, Error Type
SINGLE_REPORTS = [
    # text-report-basic (legacy 100 ms billing, tabs, spaces instead of tabs)
    ("S001", "3604209a-e9a3-11e6-939a-754dd98c7be3", 12.34, 100, 128, 18, NA, "success", NA),
    ("S003", "57f231fb-1730-4395-85cb-4f71bd2b87b8", 79.67, 80, 128, 73, NA, "success", NA),
    ("S005", "id", 0.99, 1, 256, 12, NA, "success", NA),
    ("S020", "fc4f8810-88ff-4800-974c-12cec018a4b9", 12.33, 13, 128, 56, NA, "success", NA),
    ("S218", "01028c6f-9a62-4946-b1be-d1d6db5cd870", 49.80, 50, 128, 3, NA, "success", NA),
    ("S234", "0280709d-1b0a-4aa5-86e9-0970d7d39e0b", 11108.09, 11109, 128, 129, NA, "success", NA),
    # text-report-init (trailing tab, leading spaces, custom-runtime order Init first)
    ("S002", "d1cf0ccb-xmpl-46e6-950d-04c96c9b1c5d", 4157.16, 4200, 256, 99, 841.60, "success", NA),
    ("S013", "f8ac1208...", 237.17, 300, 128, 26, 48.26, "success", NA),
    ("S015", "12b3cae7-5f4e-415e-93e6-416b8f8b66e6", 976.25, 977, 128, 90, 430.47, "success", NA),
    ("S034", "29d229ff-xmpl-49d8-8d86-b1f89b06bdc9", 576.36, 600, 512, 69, 205.64, "success", NA),
    ("S147", "bdace18c-8f63-48f0-b44a-c909b6b134a0", 2.85, 3, 1024, 64, 3152.18, "success", NA),
    ("S223", "314220ad-40f4-4204-843c-713576ded59a", 544.92, 545, 2048, 174, 1494.57, "success", NA),
    # text-report-xray (same line and after an embedded newline)
    ("S008", "c793869b-ee49-115b-a5b6-4fd21e8dedac", 128.83, 200, 128, 74, 166.62, "success", NA),
    ("S122", "8d5958b5-559f-43f3-b278-b71dd7dd0e01", 2.46, 417, 1024, 95, 413.61, "success", NA),
    ("S128", "4591e223-9f68-457f-b518-f6a03fab0046", 3.86, 4, 1024, 532, NA, "success", NA),
    # text-report-xray-newline
    ("S111", "f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb", 619.31, 700, 128, 118, NA, "success", NA),
    ("S194", "d1cf0ccb-xmpl-46e6-950d-04c96c9b1c5d", 4157.16, 4200, 256, 99, 841.60, "success", NA),
    ("S197", "8f507cfc-xmpl-4697-b07a-ac58fc914c95", 15.74, 100, 128, 56, 130.49, "success", NA),
    ("S200", "081f7522-xmpl-48e2-8f67-96686904bb4f", 4.20, 100, 512, 95, NA, "success", NA),
    # text-report-error
    ("S126", "276ff3b9-1609-4ee7-a288-db3752630767", 10935.70, 10936, 1024, 1024, NA, "error",
     "Runtime.OutOfMemory"),
    ("S131", "3b9e07c5-5fa2-47ad-af06-e44d2b64ec8f", 344356.22, 344756, 1024, 1024, 399.33, "error",
     "Runtime.OutOfMemory"),
    ("S235", "57325a9d-ff5f-42e4-83df-80f3dcaaef25", 95.78, 96, 512, 39, NA, "error",
     "Runtime.ImportModuleError"),
    # text-report-timeout (Status field; space before Memory Size; truncated X-Ray)
    ("S129", "054d8776-b852-42f6-a1a6-752552daea41", 600000.00, 600000, 1024, 1024, NA, "timeout", NA),
    ("S130", "c4c2a78d-5976-4177-91ae-64e7418b9769", 600000.00, 600517, 1024, 1024, 516.31, "timeout", NA),
    ("S132", "436a9395-6742-4adb-8b87-76f6a0ebfca7", 300000.00, 300000, 512, 102, NA, "timeout", NA),
    ("S141", "d602a1ed-503f-4ff7-9639-650e773dbbee", 600000.00, 600477, 1536, 1035, 476.75, "timeout", NA),
    ("S146", "069c8528-5926-43e2-a016-66ceeb943a46", 300000.00, 300000, 128, 127, NA, "timeout", NA),
    ("S148", "13222b1e-f16b-4550-89df-869ab0a9806d", 3000.00, 3000, 1024, 64, NA, "timeout", NA),
    # text-report-timeout-legacy: no Status field, Duration beyond the billed (capped) time
    ("S113", "7c9567b5-107b-4a6c-8798-0157ac21db52", 3003.16, 3000, 128, 48, 127.02, "timeout", NA),
    ("S221", "2fee9e4c-4466-4b68-8f9d-e40bcd8b5015", 2004.97, 2000, 512, 72, 492.71, "timeout", NA),
    # text-report-doc-wrapped: one REPORT wrapped over three physical lines
    ("S042", "16d25499-d89f-11e4-9e64-5d70fce44801", 13.35, 100, 128, 9, NA, "success", NA),
    ("S043", "2137da9a-c79c-1d43-5716-406b4e6b5c0a", 12.78, 100, 128, 29, NA, "success", NA),
    # export-filter-log-events: the JSON "message" line copied with its escapes
    ("S004", "4ce9340a-b765-490f-ad8a-02ab3415e2bf", 26.73, 27, 128, 75, NA, "success", NA),
    ("S033", "6234bffe-149a-b642-81ff-2e8e376d8aff", 46.84, 100, 192, 72, NA, "success", NA),
    # invoke-logresult-decoded-text (START/END around the REPORT)
    ("S179", "55bc566d-1e2c-11e7-93e6-6705ceb4c1cc", 469.40, 500, 1024, 21, 100.99, "success", NA),
    ("S185", "479fb51c-1e38-11e7-99ca-67bf163608ed", 1.0, 1, 128, 15, NA, "success", NA),
    # text-invocation-block (application lines, START/END, INIT_START)
    ("S044", "8f507cfc-xmpl-4697-b07a-ac58fc914c95", 15.74, 16, 128, 56, 130.49, "success", NA),
    ("S055", "12b3cae7-5f4e-415e-93e6-416b8f8b66e6", 976.25, 977, 128, 90, 430.47, "success", NA),
    ("S121", "8d5958b5-559f-43f3-b278-b71dd7dd0e01", 2.46, 417, 1024, 95, 413.61, "success", NA),
    # text-init-report block: INIT_REPORT lines ignored, the REPORT kept
    ("S215", "01028c6f-9a62-4946-b1be-d1d6db5cd870", 49.80, 50, 128, 3, NA, "success", NA),
    # insights-console-row-copy (@timestamp= / @message= lines)
    ("S233", "0280709d-1b0a-4aa5-86e9-0970d7d39e0b", 11108.09, 11109, 128, 129, NA, "success", NA),
]


def _same(actual: object, expected: object) -> bool:
    if expected is None:
        return actual is None or actual is __import__("pandas").NA or (
            isinstance(actual, float) and math.isnan(actual))
    return actual == expected


@pytest.mark.parametrize(("sid", "rid", "dur", "billed", "mem", "used", "init", "status", "err"),
                         SINGLE_REPORTS, ids=[row[0] for row in SINGLE_REPORTS])
def test_each_report_variant_parses_to_its_written_values(sid, rid, dur, billed, mem, used, init,
                                                          status, err):
    result = TextParser().parse(sample(sid), source=sid)
    assert result.rejected == []
    assert len(result.records) == 1, variant(sid)
    row = result.records.iloc[0]
    actual = (row.request_id, row.duration_ms, row.billed_duration_ms, row.memory_mb,
              row.max_memory_used_mb, row.init_ms, row.status, row.error_type)
    expected = (rid, dur, billed, mem, used, init, status, err)
    for got, want in zip(actual, expected):
        assert _same(got, want), (sid, actual, expected)


# id, request id, Duration, Billed Duration, Restore Duration, Billed Restore Duration
SNAPSTART = [
    ("S152", "b771fecc-1b53-4faf-922d-1d74357b1676", 306.34, 610, 511.25, 303),
    ("S161", "24addd09-6e64-49fb-b187-94ba9b60b59a", 127.10, 154, 325.93, 26),
    ("S165", "0e5c8424", 159.87, 278, 562.43, 118),
    ("S180", "55bc566d-1e2c-11e7-93e6-6705ceb4c1cc", 469.40, 500, 474.16, 75),
]


@pytest.mark.parametrize(("sid", "rid", "dur", "billed", "restore", "billed_restore"), SNAPSTART,
                         ids=[row[0] for row in SNAPSTART])
def test_snapstart_restore_fields_are_read_and_billed_duration_is_kept_as_logged(
        sid, rid, dur, billed, restore, billed_restore):
    row = TextParser().parse(sample(sid), source=sid).records.iloc[0]
    assert (row.request_id, row.duration_ms, row.billed_duration_ms) == (rid, dur, billed)
    assert (row.restore_ms, row.billed_restore_ms) == (restore, billed_restore)
    assert math.isnan(row.init_ms)


# Truncated or cut records are rejected with the field that is incomplete, never guessed.
REJECTED = [
    ("S133", "'Init Duration': '523.99 ms\\tStatus'"),
    ("S135", "'Init Duration': '533.72 ms\\tStatu'"),
    ("S137", "'Init Duration': '551.53 ms\\tStatus'"),
    ("S139", "'Memory Size': '25'"),
    ("S040", "REPORT without 'Duration'"),
]


@pytest.mark.parametrize(("sid", "reason"), REJECTED, ids=[row[0] for row in REJECTED])
def test_truncated_reports_are_rejected_with_file_line_and_reason(sid, reason):
    result = TextParser().parse(sample(sid), source=f"{sid}.log")
    assert result.records.empty
    assert len(result.rejected) == 1
    rejection = result.rejected[0]
    assert (rejection.file, rejection.line) == (f"{sid}.log", 1)
    assert reason in rejection.reason


IGNORED_ONLY = ["S140", "S150", "S162", "S216", "S217", "S224", "S236", "S239", "S167", "S168", "S173"]


@pytest.mark.parametrize("sid", IGNORED_ONLY)
def test_platform_lines_without_invocations_are_ignored_and_counted(sid):
    text = sample(sid)
    result = TextParser().parse(text, source=sid)
    assert result.records.empty and result.rejected == []
    assert result.ignored == result.lines == len(text.rstrip("\n").split("\n"))


def test_async_retries_keep_their_own_rows_under_numbered_request_ids():
    # S141 and S142: Lambda retried request d602a1ed... (same id, different numbers).
    text = sample("S141") + "\n" + sample("S142")
    records = TextParser().parse(text, source="retries").records
    assert list(records.request_id) == ["d602a1ed-503f-4ff7-9639-650e773dbbee",
                                        "d602a1ed-503f-4ff7-9639-650e773dbbee#2"]
    assert list(records.max_memory_used_mb) == [1035, 1093]


def test_every_line_is_accounted_for_in_a_block():
    # S121: INIT_START, START, REPORT, XRAY line, END... 6 physical lines, one record.
    result = TextParser().parse(sample("S121"), source="S121")
    assert (result.lines, result.parsed, result.ignored, len(result.rejected)) == (6, 1, 5, 0)
