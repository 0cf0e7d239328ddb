"""The contract of the log parsers, where it applies to the trace parsers (``TRACE_PARSERS``).

Each trace parser recognises its own real traces (the bundled ones in ``traces/``) by their
header cells in any order, and no other parser (trace or log) claims them; no trace parser
claims a log format's sample; every row is accounted for; the first record is the values of
the file's first row; the file with its columns in another order gives the same records;
and a damaged file gives rejections naming the file and row, or an ``AdvisorError`` naming
the file, never a traceback. A trace parser without samples fails
:func:`test_every_trace_parser_has_samples`.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.errors import AdvisorError
from advisor.logs import LOG_PARSERS
from advisor.logs.reader import read_text
from advisor.logs.sniffing import HEAD_BYTES
from advisor.logs.traces import TRACE_FORMATS, TRACE_PARSERS, read_traces

from ._formats import FORMAT_SAMPLES

TRACES = Path(__file__).resolve().parents[2] / "traces"
AZURE_2021 = TRACES / "azure2021-200.csv"
_RANK = {parser.name: rank for rank, parser in enumerate(TRACE_PARSERS)}


@dataclass(frozen=True)
class TraceSample:
    """A real trace file (with its siblings), and its first record as its first row writes it."""

    path: Path
    request_id: str
    start_time: str
    duration_ms: float
    function: str | None = None  # --function, for the formats that need one
    siblings: tuple[str, ...] = ()


def _generic_csv(folder: Path) -> Path:
    """The first rows of the Azure 2021 sample as the generic CSV (start = end - duration)."""
    table = pd.read_csv(AZURE_2021, nrows=20)
    start = datetime(2021, 1, 31, tzinfo=timezone.utc).timestamp() + table.end_timestamp - table.duration
    path = folder / "generic.csv"
    pd.DataFrame({"timestamp": start.round(6), "duration_ms": table.duration * 1000}).to_csv(path, index=False)
    return path


#: Every trace format, with its real samples (the generic CSV: rows of a real trace).
TRACE_SAMPLES = {
    "azure-2019": TraceSample(TRACES / "azure2019-543bec406831_inv.csv", "", "", 0.0,
                              siblings=("azure2019-543bec406831_run.csv", "azure2019-543bec406831_mem.csv")),
    # first row: func e3cdb48830f6..., end_timestamp 0.07949090003967285 s, duration 0.078 s
    "azure-2021": TraceSample(AZURE_2021, "e3cdb48830f6-2", "2021-01-31T00:00:00.001490900Z", 78.0),
    # first row: 2023-11-16 18:17:03.9799600, 4808 context and 10 generated tokens
    "azure-llm-2023": TraceSample(TRACES / "azure-llm-2023-code-500.csv", "llm-code-2",
                                  "2023-11-16T18:17:03.979960Z", 0.1 * 4808 + 30 * 10),
    "csv": TraceSample(Path("generic.csv"), "generic-2", "2021-01-31T00:00:00.001491Z", 78.0, function="g"),
}


def materialise(name: str, folder: Path) -> Path:
    """The sample's file in ``folder`` (with its siblings)."""
    sample = TRACE_SAMPLES[name]
    if name == "csv":
        return _generic_csv(folder)
    for sibling in sample.siblings:
        shutil.copy(sample.path.with_name(sibling), folder / sibling)
    return Path(shutil.copy(sample.path, folder / sample.path.name))


def read(name: str, path: Path):
    return read_traces([path], function=TRACE_SAMPLES[name].function)


def test_every_trace_parser_has_samples():
    assert set(TRACE_SAMPLES) == set(TRACE_FORMATS)


@pytest.mark.parametrize("name", sorted(TRACE_SAMPLES))
def test_the_trace_parser_recognises_its_samples_and_no_other_parser_does(tmp_path: Path, name: str):
    head = read_text(materialise(name, tmp_path))[:HEAD_BYTES]
    assert TRACE_FORMATS[name].sniff(head)
    others = [p.name for p in TRACE_PARSERS if p.name != name and p.sniff(head)]
    assert all(_RANK[other] > _RANK[name] for other in others)
    assert [p.name for p in LOG_PARSERS if p.sniff(head)] == []


@pytest.mark.parametrize("name", sorted(FORMAT_SAMPLES))
def test_no_trace_parser_claims_a_log_format_sample(tmp_path: Path, name: str):
    for case in FORMAT_SAMPLES[name]:
        path = tmp_path / "sample.log"
        content = case.build()
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
        head = read_text(path)[:HEAD_BYTES]
        assert [p.name for p in TRACE_PARSERS if p.sniff(head)] == [], case.name


@pytest.mark.parametrize("name", sorted(TRACE_SAMPLES))
def test_every_row_is_accounted_for_and_the_first_record_is_the_first_row(tmp_path: Path, name: str):
    result = read(name, materialise(name, tmp_path))
    assert result.format == name
    assert result.lines == result.parsed + result.ignored + len(result.rejected)
    sample = TRACE_SAMPLES[name]
    if name == "azure-2019":  # arrivals are drawn: the counts are what the file writes
        counts = pd.read_csv(sample.path).filter(like="minute_").to_numpy().sum()
        assert len(result.records) == counts
        return
    first = result.records.sort_values("start_time", kind="stable").iloc[0]
    assert (first.request_id, first.duration_ms) == (sample.request_id, sample.duration_ms)
    assert first.start_time == pd.Timestamp(sample.start_time)


@pytest.mark.parametrize("name", sorted(TRACE_SAMPLES))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
def test_the_trace_with_its_columns_in_another_order_gives_the_same_records(
        tmp_path_factory: pytest.TempPathFactory, name: str, seed: int, quoting: int):
    folder = tmp_path_factory.mktemp("trace")
    path = materialise(name, folder)
    original = read(name, path)
    rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))
    order = list(range(len(rows[0])))
    random.Random(seed).shuffle(order)
    out = io.StringIO()
    csv.writer(out, quoting=quoting).writerows([[row[i] for i in order] for row in rows])
    path.write_text(out.getvalue())
    moved = read(name, path)
    assert moved.format == name
    pd.testing.assert_frame_equal(moved.records, original.records)


@pytest.mark.parametrize("name", ["azure-2021", "azure-llm-2023", "csv"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_trace_gives_rejections_or_an_error_naming_the_file(
        tmp_path_factory: pytest.TempPathFactory, name: str, data: st.DataObject):
    folder = tmp_path_factory.mktemp("damaged")
    path = materialise(name, folder)
    text = path.read_text()[:4000]
    at = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.sampled_from(["", ",", '"', "\n", "x", ",,\n", "-1", "\x00", "é"]))
    path.write_text(text[:at] + junk + text[at + data.draw(st.integers(0, 30)):])
    try:
        result = read(name, path)
    except AdvisorError as error:
        assert str(path) in str(error)
    else:
        assert result.lines == result.parsed + result.ignored + len(result.rejected)
        assert all(r.file == str(path) and r.line >= 2 for r in result.rejected)


@pytest.mark.parametrize("value", ["inf", "-inf", "1e300", "nan"])
def test_an_azure_2021_time_past_the_clock_is_a_rejection_not_a_wrapped_record(tmp_path: Path, value: str) -> None:
    path = tmp_path / "azure2021.csv"
    path.write_text("app,func,end_timestamp,duration\n"
                    "a1,f1,10.5,0.25\n"
                    f"a1,f1,{value},0.25\n"
                    f"a1,f1,11.5,{value}\n")
    result = read("azure-2021", path)
    assert result.parsed == 1 and [r.line for r in result.rejected] == [3, 4]
    assert all("is not a number >= 0" in r.reason for r in result.rejected)
