"""Every log format's own real samples, as the files that format is, with the records their text holds.

The samples are the real ones of ``shared/data/lambda-logs/samples.jsonl``. Most are files
of their format as they are; a few were published inside source code (a Python dict
literal, a JavaScript array, a Markdown table) or decoded, and are turned back into the
file the format is, changing nothing else. The expected values are read off the sample
texts (times converted to UTC; epoch milliseconds where the export has them), never
computed by the parsers.

``tests/logs/test_parser_contract.py`` runs every parser of ``LOG_PARSERS`` on these; a
parser without samples here fails it.
"""

from __future__ import annotations

import ast
import base64
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ._samples import sample


@dataclass(frozen=True)
class Expected:
    """One record as the sample writes it (``end_time``: ISO 8601 UTC, or epoch ms)."""

    request_id: str
    duration_ms: float
    billed_duration_ms: int | None
    memory_mb: int | None
    max_memory_used_mb: int | None
    init_ms: float | None = None
    status: str = "success"
    end_time: str | int | None = None
    log_stream: str | None = None
    restore_ms: float | None = None
    billed_restore_ms: int | None = None
    error_type: str | None = None

    def end(self) -> pd.Timestamp | None:
        """``end_time`` as a UTC timestamp."""
        if self.end_time is None:
            return None
        if isinstance(self.end_time, int):
            return pd.Timestamp(self.end_time, unit="ms", tz="UTC")
        return pd.Timestamp(self.end_time)


@dataclass(frozen=True)
class FormatSample:
    """A file of one format made of real samples, and what it holds.

    Attributes:
        name: What the file is (the test id).
        build: The file's content (bytes for binary wrappings).
        records: The records, in file order.
        function: The function the file names (``/aws/lambda/NAME``), if any.
        json: Whether the file is JSON documents (it can be re-serialised).
    """

    name: str
    build: Callable[[], str | bytes]
    records: tuple[Expected, ...]
    function: str | None = None
    json: bool = False


def text(*sample_ids: str) -> Callable[[], str]:
    """The samples as they are, one after another."""
    return lambda: "\n".join(sample(sid) for sid in sample_ids) + "\n"


def python_dict_json(*sample_ids: str) -> Callable[[], str]:
    """The dict literal of each sample (``json.dumps({...})`` in a Python test) as a JSON line."""
    def build() -> str:
        lines = []
        for sid in sample_ids:
            source = sample(sid)
            lines.append(json.dumps(ast.literal_eval(source[source.index("{"): source.rindex("}") + 1])))
        return "\n".join(lines) + "\n"
    return build


def python_events_json(sample_id: str) -> Callable[[], str]:
    """The ``name = {...}`` event dicts of a Python test module as a ``filter_log_events``
    response (``{"events": [...]}``), in the module's order."""
    def build() -> str:
        literals = re.findall(r"^\w+ = (\{.*?^\})", sample(sample_id), flags=re.M | re.S)
        return json.dumps({"events": [ast.literal_eval(literal) for literal in literals]}, indent=4)
    return build


def javascript_results_json(sample_id: str) -> Callable[[], str]:
    """A JavaScript array of Logs Insights rows (``{ field: '@x', value: '...' }``) as the
    ``GetQueryResults`` JSON (``{"results": [...], "status": "Complete"}``)."""
    def build() -> str:
        source = sample(sample_id)
        body = source[source.index("["):].rstrip().rstrip(";").rstrip(",")
        if body.count("[") > body.count("]"):
            body += "\n]"  # the excerpt stops before the array's end
        body = re.sub(r"\b(field|value):", r'"\1":', body)
        body = re.sub(r"'((?:[^'\\]|\\.)*)'",
                      lambda m: json.dumps(m.group(1).encode().decode("unicode_escape")), body)
        body = re.sub(r",(\s*[\]}])", r"\1", body)
        return json.dumps({"results": json.loads(body), "status": "Complete"}, indent=2)
    return build


def markdown_table_csv(sample_id: str) -> Callable[[], str]:
    """The Markdown table of a Logs Insights result as the console's CSV export."""
    def build() -> str:
        lines = sample(sample_id).splitlines()
        table = lines[next(i for i, line in enumerate(lines) if line.startswith("| @")):]
        cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table if "---" not in line]
        return "\n".join(",".join(row) for row in cells) + "\n"
    return build


def json_array(*sample_ids: str) -> Callable[[], str]:
    """The samples' JSON events as one array, as the Telemetry API delivers a batch."""
    return lambda: json.dumps([json.loads(sample(sid)) for sid in sample_ids])


def messages_json(sample_id: str) -> Callable[[], str]:
    """The messages of a ``get-log-events`` response as ``--query 'events[].message'`` prints them."""
    def build() -> str:
        documents = [json.loads(part) for part in re.split(r"(?<=\n\})\n(?=\{)", sample(sample_id))]
        messages = [event["message"] for doc in documents for event in doc.get("events", [])]
        return json.dumps(messages, indent=4)
    return build


def awslogs(sample_id: str, *, wrapped: bool) -> Callable[[], str]:
    """A decoded subscription payload as delivered: base64 of gzip, in ``awslogs.data`` or bare."""
    def build() -> str:
        data = base64.b64encode(gzip.compress(sample(sample_id).encode())).decode()
        return json.dumps({"awslogs": {"data": data}}) if wrapped else data
    return build


_SAM_STREAM = "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741"

#: Every log format, with files made of its real samples.
FORMAT_SAMPLES: dict[str, tuple[FormatSample, ...]] = {
    "text": (
        FormatSample("S020 tab-separated REPORT", text("S020"), (
            Expected("fc4f8810-88ff-4800-974c-12cec018a4b9", 12.33, 13, 128, 56),)),
        FormatSample("S013 custom runtime, Init Duration first", text("S013"), (
            Expected("f8ac1208...", 237.17, 300, 128, 26, init_ms=48.26),)),
        FormatSample("S129 timeout with X-Ray after a newline", text("S129"), (
            Expected("054d8776-b852-42f6-a1a6-752552daea41", 600000.00, 600000, 1024, 1024,
                     status="timeout"),)),
        FormatSample("S042 REPORT wrapped over three lines", text("S042"), (
            Expected("16d25499-d89f-11e4-9e64-5d70fce44801", 13.35, 100, 128, 9),)),
        FormatSample("S004 REPORT line of a JSON export", text("S004"), (
            Expected("4ce9340a-b765-490f-ad8a-02ab3415e2bf", 26.73, 27, 128, 75),)),
        FormatSample("S191 ISO-prefixed lines (S3 export, aws logs tail)", text("S191"), (
            Expected("4136466b-adcf-498f-a964-d1d8f30ff422", 2827.05, 2828, 128, 81, init_ms=297.42,
                     end_time="2024-11-01T06:05:46.323Z"),)),
        FormatSample("S149 sam logs", text("S149"), (
            Expected("b771fecc-1b53-4faf-922d-1d74357b1676", 306.34, 610, 3009, 155, restore_ms=511.25,
                     billed_restore_ms=303, end_time="2023-07-05T10:16:34.686Z",
                     log_stream=_SAM_STREAM),
            Expected("7667964c-05ac-4891-b28c-56f1282ebc1b", 138.27, 139, 3009, 159,
                     end_time="2023-07-05T10:16:44.067Z",
                     log_stream=_SAM_STREAM),
            Expected("c5617d6b-3eff-409b-bff8-7f6ed83c319a", 50.76, 51, 3009, 159,
                     end_time="2023-07-05T10:16:56.031Z",
                     log_stream=_SAM_STREAM),
            Expected("09cea32b-12e6-4283-9092-15e3fd5eabf8", 10.09, 11, 3009, 160,
                     end_time="2023-07-05T10:16:58.061Z",
                     log_stream=_SAM_STREAM),
            Expected("010f6002-d185-4e96-9971-5360a2c6aa72", 8.31, 9, 3009, 160,
                     end_time="2023-07-05T10:17:00.017Z",
                     log_stream=_SAM_STREAM),
        )),
        FormatSample("S214 console copy with local +08:00 times", text("S214"), (
            Expected("ca7dfb1a-9b58-4a07-ba4d-feeea6d61f80", 133.17, 215, 128, 26, init_ms=81.74,
                     end_time="2023-12-15T05:28:12.850Z"),
            Expected("7e16e208-7b23-44ec-8ce0-793210971ed6", 6.54, 7, 128, 26,
                     end_time="2023-12-15T05:28:46.869Z"),
        )),
        FormatSample("S220 console copy, timeout before the Status field", text("S220"), (
            Expected("2fee9e4c-4466-4b68-8f9d-e40bcd8b5015", 2004.97, 2000, 512, 72, init_ms=492.71,
                     status="timeout", end_time="2023-02-12T22:45:21.224Z"),)),
        FormatSample("S233 Logs Insights row copied as @field= lines", text("S233"), (
            Expected("0280709d-1b0a-4aa5-86e9-0970d7d39e0b", 11108.09, 11109, 128, 129,
                     end_time="2024-02-21T15:41:20.628Z"),)),
        FormatSample("S183 JSON log lines among an extension's text line", text("S183"), (
            Expected("d661f7cf-9208-46b9-85b0-213b04a91065", 1.317, 4, 1024, 68, init_ms=20.0,
                     end_time="2024-02-09T08:42:44.080Z"),)),
        FormatSample("S166 console dump of JSON log records", text("S166"), (
            Expected("79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36", 1233.96, 1698, 256, 123, init_ms=463.512,
                     end_time="2026-10-08T07:30:29.470Z"),
            Expected("f0c9f58b-8ebe-4e84-a656-95eb6eee865a", 1072.145, 1073, 256, 125,
                     end_time="2026-10-08T07:30:42.149Z"),
        )),
        FormatSample("S184 invoke LogResult (base64)", lambda: sample("S184"), (
            Expected("479fb51c-1e38-11e7-99ca-67bf163608ed", 1.0, 1, 128, 15),)),
    ),
    "json-log": (
        FormatSample("S172 platform.report line", text("S172"), (
            Expected("40f6c622-67a3-4159-97f2-ce364a0cb7a8", 18.593, 19, 2048, 246,
                     end_time="2024-06-17T17:23:55.826Z"),), json=True),
        FormatSample("S178 runtimeDone then report", text("S178"), (
            Expected("aec7a529-47f9-4090-be01-c9ed91bf83cf", 5000.0, 5000, 128, 94, status="timeout",
                     end_time="2026-07-09T06:05:50.581Z"),), json=True),
        FormatSample("S181 JSON application lines and platform lines", text("S181"), (
            Expected("d661f7cf-9208-46b9-85b0-213b04a91065", 1.317, 2, 1024, 68, init_ms=10.0,
                     end_time="2024-02-09T08:42:44.080Z"),), json=True),
        FormatSample("S167-S170 a JSON-format log group's lines", text("S167", "S168", "S169", "S170"), (
            Expected("79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36", 1233.96, 1698, 256, 123, init_ms=463.512,
                     end_time="2026-10-08T07:30:29.470Z"),), json=True),
        FormatSample("S087 Logs API event, pretty-printed", text("S087"), (
            Expected("6f7f0961f83442118a7af6fe80b88d56", 101.51, 300, 512, 33, init_ms=116.67,
                     end_time="2020-08-20T12:31:32.123Z"),), json=True),
        FormatSample("S104-S106 Telemetry API batch", json_array("S104", "S105", "S106"), (
            Expected("459921b5-681c-4a96-beb0-81e0aa586026", 2599.4, 2600, 128, 94, init_ms=549.04,
                     end_time="2022-10-21T14:05:05.766Z"),), json=True),
        FormatSample("S107 platform.report with duration only", text("S107"), (
            Expected("13d1305b-a2f5-440c-bfbe-686ccff3d3e0", 1.148, None, None, None,
                     end_time="2025-09-19T19:36:50.881Z"),), json=True),
        FormatSample("S117-S119 JSON-format reports of a forwarder's tests",
                     python_dict_json("S117", "S118", "S119"), (
            Expected("4d789d71-2f2c-4c66-a4b5-531a0223233d", 0.62, 100, 128, 51,
                     end_time="2024-10-04T00:36:35.800Z"),
            Expected("4d789d71-2f2c-4c66-a4b5-531a0223233d#2", 0.81, 100, 128, 90, init_ms=1234.0,
                     end_time="2024-10-04T00:36:35.800Z"),
            Expected("b441820a-ebe5-4d5f-93bc-f945707b0225", 30000.0, 30000, 128, 74, init_ms=985.413,
                     status="timeout", end_time="2024-10-18T19:38:39.661Z"),
        ), json=True),
    ),
    "cloudwatch-json": (
        FormatSample("S047 get-log-events CLI output (two documents)", text("S047"), (
            Expected("4ce9340a-b765-490f-ad8a-02ab3415e2bf", 26.73, 27, 128, 75,
                     end_time=1559763003218),), json=True),
        FormatSample("S047 --query 'events[].message'", messages_json("S047"), (
            Expected("4ce9340a-b765-490f-ad8a-02ab3415e2bf", 26.73, 27, 128, 75),), json=True),
        FormatSample("S112 subscription payload", text("S112"), (
            Expected("f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb", 619.31, 700, 128, 118, end_time=1583425836750,
                     log_stream="2020/03/05/[$LATEST]20bddfd5a2dc4c6b97ac02800eae90d0"),),
                     function="hello-dog-node-dev-hello12x", json=True),
        FormatSample("S114 subscription payload with Task timed out", text("S114"), (
            Expected("7c9567b5-107b-4a6c-8798-0157ac21db52", 3003.16, 3000, 128, 48, init_ms=127.02,
                     status="timeout", end_time=1591714946151,
                     log_stream="2020/06/09/[$LATEST]b249865adaaf4fad80f95f8ad09725b8"),),
                     function="storms-cloudwatch-event", json=True),
        FormatSample("S116 subscription delivery (awslogs.data)", awslogs("S116", wrapped=True), (
            Expected("db275f87-a934-471a-8980-b63bf4dc1beb", 1.76, 100, 128, 48, init_ms=120.96,
                     end_time=1591284559101,
                     log_stream="2020/06/04/[$LATEST]af2b1e1843b84a2d80c67840ae3ffa72"),),
                     function="storms-cloudwatch-event", json=True),
        FormatSample("S116 subscription data (bare base64)", awslogs("S116", wrapped=False), (
            Expected("db275f87-a934-471a-8980-b63bf4dc1beb", 1.76, 100, 128, 48, init_ms=120.96,
                     end_time=1591284559101,
                     log_stream="2020/06/04/[$LATEST]af2b1e1843b84a2d80c67840ae3ffa72"),),
                     function="storms-cloudwatch-event"),
        FormatSample("S171 filter_log_events events of a JSON-format function", python_events_json("S171"), (
            Expected("40f6c622-67a3-4159-97f2-ce364a0cb7a8", 18.593, 19, 2048, 246,
                     end_time=1718645035826),), json=True),
    ),
    "console-csv": (
        FormatSample("S219 console CSV download", text("S219"), (
            Expected("<requestId>", 20844.05, 20925, 640, 113, init_ms=80.95, end_time=1751235619613),)),
    ),
    "insights-json": (
        FormatSample("S186 GetQueryResults rows", javascript_results_json("S186"), (
            Expected("76269889-7d50-4d6d-a3f1-9b4f5322f47c", 14.97, 15, 128, 67,
                     end_time="2023-12-05T22:14:43.877Z",
                     log_stream="2023/12/05/[$LATEST]e34ea4d32b8f441c96246bbee30ff465"),
            Expected("be5b175d-ff9d-40db-adef-77555f4b77a8", 5.93, 6, 128, 67, init_ms=145.69,
                     end_time="2023-12-05T22:10:47.479Z",
                     log_stream="2023/12/05/[$LATEST]e34ea4d32b8f441c96246bbee30ff465"),
        ), json=True),
    ),
    "insights-csv": (
        FormatSample("S187 Logs Insights CSV of REPORT fields", markdown_table_csv("S187"), (
            Expected("923b54a2-bd35-4d54-a9b9-90b36525a84a", 2894.13, 2895, 1024, 119, init_ms=944.22,
                     end_time="2025-08-15T13:34:52.212Z"),
            Expected("aed443ac-f6df-48ce-bc7c-fc0513efbbba", 2220.96, 2221, 1024, 119, init_ms=834.66,
                     end_time="2025-08-15T13:34:51.425Z"),
        )),
    ),
    "lambda-insights": (
        FormatSample("S188 performance event", text("S188"), (
            Expected("12345678-8bcc-42f7-b1de-123456789012", 45191.0, 45200, 256, 63, init_ms=130.0,
                     status="timeout", end_time=1605034324256),), function="cpu-intensive", json=True),
        FormatSample("S188-S189 with a managed-instance event", text("S188", "S189"), (
            Expected("12345678-8bcc-42f7-b1de-123456789012", 45191.0, 45200, 256, 63, init_ms=130.0,
                     status="timeout", end_time=1605034324256),), function="cpu-intensive", json=True),
    ),
}
