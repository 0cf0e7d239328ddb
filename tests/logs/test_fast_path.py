"""The vectorised fast path yields exactly the exact parser's records, or declines."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.logs.fast import CANONICAL, parse_report_file
from advisor.logs.reader import read_text
from advisor.logs.text import TextParser

from ._reports import CANONICAL_LINES, edits, log_lines, mutate
from ._samples import SAMPLES, sample

REPO = Path(__file__).resolve().parents[2]
#: Every test runs with the C parser and with the SQL parser (tests/logs/conftest.py).
pytestmark = pytest.mark.usefixtures("fast_parser")


def exact(path: Path):
    return TextParser().parse(read_text(path), source=str(path))


def assert_same(path: Path) -> None:
    fast = parse_report_file(path)
    assert fast is not None, "the fast path declined a canonical log"
    slow = exact(path)
    assert fast.counts == slow.counts
    pd.testing.assert_frame_equal(fast.records, slow.records)


def _generator():
    spec = importlib.util.spec_from_file_location("gen_logs", REPO / "bench" / "gen_logs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["gen.log", "gen.log.gz"])
def test_generated_log_plain_and_gzip(tmp_path: Path, name: str):
    path = tmp_path / name
    _generator().generate(path, 3000, seed=7)
    assert_same(path)


CANONICAL_SAMPLES = ["S020", "S006", "S012", "S113", "S122", "S126", "S128", "S129", "S130", "S223",
                     "S234", "S235"]


def test_real_canonical_samples_with_time_prefixes(tmp_path: Path):
    lines = []
    for second, sid in enumerate(CANONICAL_SAMPLES):
        stamp = f"2026-03-01T10:00:{second:02d}.{second:03d}Z"
        report, _, xray = sample(sid).rstrip("\n").partition("\n")
        lines += [f"{stamp} START RequestId: x{second} Version: $LATEST", f"{stamp} app line",
                  f"{stamp} {report}"] + ([xray] if xray else [])
    path = tmp_path / "canonical.log"
    path.write_text("\n".join(lines) + "\n")
    assert_same(path)
    assert len(exact(path).records) == len(CANONICAL_SAMPLES)


def _report_samples() -> list[str]:
    with SAMPLES.open() as handle:
        rows = [json.loads(line) for line in handle]
    return [row["id"] for row in rows if "REPORT RequestId:" in row["text"]]


def test_every_real_sample_is_parsed_identically_or_left_to_the_exact_parser(tmp_path: Path):
    taken = []
    for sid in _report_samples():
        path = tmp_path / f"{sid}.log"
        path.write_text(sample(sid))
        fast = parse_report_file(path)
        if fast is not None:
            slow = exact(path)
            assert fast.counts == slow.counts, sid
            pd.testing.assert_frame_equal(fast.records, slow.records)
            taken.append(sid)
    # the canonical ones among them do go through the fast path
    assert {"S020", "S126", "S129", "S223"} <= set(taken)


@pytest.mark.parametrize("sid", ["S003", "S013", "S133", "S149", "S214", "S114"])
def test_fast_path_declines_layouts_it_does_not_own(tmp_path: Path, sid: str):
    path = tmp_path / f"{sid}.log"
    path.write_text(sample(sid))
    assert parse_report_file(path) is None


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(log_lines, min_size=1, max_size=40))
def test_generated_logs_fast_equals_exact(tmp_path: Path, lines: list[str]):
    path = tmp_path / "generated.log"
    path.write_text("\n".join(lines) + "\n")
    if not any("REPORT" in line for line in lines):
        return
    assert_same(path)


def test_optional_fields_without_a_tab_between_them_are_left_to_the_exact_parser(tmp_path: Path):
    # The fast path once took this line with status "timeoutError Type: X"; the exact parser
    # reads status "timeout" and error type "X".
    path = tmp_path / "joined.log"
    path.write_text("2026-01-05T00:00:00.077Z REPORT RequestId: abc\tDuration: 50.44 ms\tBilled Duration: 51 ms"
                    "\tMemory Size: 1024 MB\tMax Memory Used: 218 MB\tStatus: timeoutError Type: X\n")
    assert parse_report_file(path) is None
    records = exact(path).records
    assert (records.loc[0, "status"], records.loc[0, "error_type"]) == ("timeout", "X")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(CANONICAL_LINES), st.lists(edits, min_size=1, max_size=3))
def test_mutated_report_lines_are_parsed_exactly_or_declined(tmp_path: Path, line: str, changes):
    """The fast path's checks accept a subset of the canonical layout, and agree with the exact parser."""
    mutated = mutate(line, changes)
    path = tmp_path / "mutated.log"
    path.write_text(f"START RequestId: abc Version: $LATEST\n{mutated}\nEND RequestId: abc\n")
    fast = parse_report_file(path)
    if fast is None:
        return
    assert re.fullmatch(CANONICAL, mutated, flags=re.ASCII), mutated
    slow = exact(path)
    assert fast.counts == slow.counts
    pd.testing.assert_frame_equal(fast.records, slow.records)
