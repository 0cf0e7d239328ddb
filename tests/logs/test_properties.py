"""Property tests: any valid REPORT round-trips; arbitrary text never crashes a parser."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import AdvisorError
from advisor.logs import LOG_PARSERS
from advisor.logs.report import parse_report
from advisor.logs.text import TextParser

request_ids = st.from_regex(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", fullmatch=True)
millis = st.integers(min_value=0, max_value=900_000_00).map(lambda n: n / 100)
memory = st.integers(min_value=128, max_value=10240)


@st.composite
def reports(draw):
    """A REPORT record as Lambda (or a copy of it) writes it, with the values used."""
    values = {
        "request_id": draw(request_ids),
        "duration_ms": draw(millis),
        "memory_mb": draw(memory),
        "max_memory_used_mb": draw(st.integers(min_value=1, max_value=10240)),
        "init_ms": draw(st.none() | millis),
        "restore_ms": draw(st.none() | millis),
        "status": draw(st.sampled_from([None, "success", "timeout", "error"])),
    }
    values["billed_duration_ms"] = math.ceil(values["duration_ms"]) + draw(st.integers(0, 1000))
    values["billed_restore_ms"] = None if values["restore_ms"] is None else draw(st.integers(0, 1000))
    values["error_type"] = (draw(st.from_regex(r"[A-Z][a-z]+\.[A-Za-z]{3,20}", fullmatch=True))
                            if values["status"] == "error" and draw(st.booleans()) else None)
    fields = [
        f"Duration: {values['duration_ms']:.2f} ms",
        f"Billed Duration: {values['billed_duration_ms']} ms",
        f"Memory Size: {values['memory_mb']} MB",
        f"Max Memory Used: {values['max_memory_used_mb']} MB",
    ]
    if values["init_ms"] is not None:
        fields.append(f"Init Duration: {values['init_ms']:.2f} ms")
    if values["restore_ms"] is not None:
        fields.append(f"Restore Duration: {values['restore_ms']:.2f} ms")
        fields.append(f"Billed Restore Duration: {values['billed_restore_ms']} ms")
    if values["status"] is not None:
        fields.append(f"Status: {values['status']}")
    if values["error_type"] is not None:
        fields.append(f"Error Type: {values['error_type']}")
    fields = draw(st.permutations(fields))
    separator = draw(st.sampled_from(["\t", " ", "  ", "    ", " \t"]))
    text = f"REPORT RequestId: {values['request_id']}{separator}" + separator.join(fields)
    text += draw(st.sampled_from(["", "\t", " ", "\t\n"]))
    xray = "XRAY TraceId: 1-5e34a44f-a125b3603a4cdf526103e\tSegmentId: 5f41b4b1664d9\tSampled: true"
    text += draw(st.sampled_from(["", separator + xray, "\n" + xray]))
    return text, values


@given(reports())
def test_any_valid_report_round_trips(case):
    text, values = case
    report = parse_report(text)
    assert report.request_id == values["request_id"]
    assert report.duration_ms == round(values["duration_ms"], 2)
    assert report.billed_duration_ms == values["billed_duration_ms"]
    assert report.memory_mb == values["memory_mb"]
    assert report.max_memory_used_mb == values["max_memory_used_mb"]
    assert report.init_ms == (None if values["init_ms"] is None else round(values["init_ms"], 2))
    assert report.restore_ms == (None if values["restore_ms"] is None else round(values["restore_ms"], 2))
    assert report.billed_restore_ms == values["billed_restore_ms"]
    assert report.status == (values["status"] or "success")
    assert report.error_type == values["error_type"]


@settings(max_examples=60)
@given(reports(), st.sampled_from(["", "2024-11-01T06:05:46.322Z ", "2024-11-01T06:05:46.322Z\t",
                                   "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:16:34.686000 "]))
def test_any_valid_report_line_parses_to_one_record_in_a_log(case, prefix):
    text, values = case
    log = f"START RequestId: {values['request_id']} Version: $LATEST\nhello\n{prefix}{text}\n"
    result = TextParser().parse(log, source="generated")
    assert len(result.records) == 1 and result.rejected == []
    assert result.records.request_id.iloc[0] == values["request_id"]
    assert result.lines == result.parsed + result.ignored


lambda_words = st.sampled_from(["REPORT RequestId: ", "Duration: ", " ms", "\t", "\n", "Status: ",
                                "Init Duration: ", "Memory Size: ", " MB", "{", "}", '"platform.report"',
                                '"record":', "XRAY ", "12.5", "@message=", "Task timed out after"])
texts = st.lists(st.text(max_size=20) | lambda_words, max_size=30).map("".join)


@settings(max_examples=60)
@given(texts)
def test_arbitrary_text_never_crashes_any_parser(text):
    for parser in LOG_PARSERS:
        try:
            result = parser.parse(text, source="fuzz")
        except AdvisorError:
            continue
        assert result.lines == result.parsed + result.ignored + len(result.rejected)


@settings(max_examples=60)
@given(texts)
def test_arbitrary_text_in_a_report_line_is_parsed_or_rejected(text):
    result = TextParser().parse("REPORT RequestId: " + text.replace("\n", " "), source="fuzz")
    assert len(result.records) + len(result.rejected) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
    | st.sampled_from(["platform.report", "performance", "/aws/lambda/f", "REPORT RequestId: x"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["events", "logEvents", "message", "timestamp", "type", "record", "metrics",
                         "requestId", "durationMs", "event_type", "request_id", "duration", "_aws", "time",
                         "results", "field", "value", "logGroup", "awslogs", "data"]) | st.text(max_size=5),
        inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=60)
@given(json_values)
def test_arbitrary_json_never_crashes_the_json_parsers(document):
    import json

    text = json.dumps(document)
    for parser in LOG_PARSERS:
        try:
            result = parser.parse(text, source="fuzz")
        except AdvisorError:
            continue
        assert result.lines == result.parsed + result.ignored + len(result.rejected)
