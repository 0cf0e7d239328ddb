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

from ._reports import log_lines
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


#: Canonical lines in each layout the fast path owns, to be mutated.
CANONICAL_LINES = [
    "2026-01-05T00:00:00.077Z REPORT RequestId: ffe42279-f3bd-4683-a6a8-52c1bb9651f3\tDuration: 50.44 ms"
    "\tBilled Duration: 51 ms\tMemory Size: 1024 MB\tMax Memory Used: 218 MB\t",
    "2026-01-05T00:00:00.573123Z REPORT RequestId: a972cd3f-a02f-444f-8870-78de451f5f6c\tDuration: 37.56 ms"
    "\tBilled Duration: 38 ms\tMemory Size: 1024 MB\tMax Memory Used: 348 MB\tInit Duration: 200.84 ms\t",
    "REPORT RequestId: 0b6f6e2c-1a52-4a5e-9d1b-6f0e8d1b2c3a\tDuration: 3000.00 ms\tBilled Duration: 3000 ms"
    "\tMemory Size: 512 MB\tMax Memory Used: 300 MB\tStatus: error\tError Type: Runtime.ExitError",
    "2026-01-05T00:00:01Z REPORT RequestId: retry-5\tDuration: 9 ms\tBilled Duration: 8 ms"
    "\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
    "2026-01-05T00:00:02.5Z REPORT RequestId: c0ld-1\tDuration: 12.5 ms\tBilled Duration: 13 ms"
    "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tInit Duration: 300.1 ms\tStatus: error"
    "\tError Type: Runtime.OutOfMemory\t",
]
#: Characters that change the meaning of a REPORT line when put in the wrong place.
MUTATION_CHARS = list("0123456789abcfXZT:.-_ \t\\eE+ms") + ["\u0663", "\u00a0", "Init Duration: 1 ms",
                                                               "Status: ", "XRAY", "\tDuration: 2 ms"]
edits = st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.integers(0, 200),
                  st.sampled_from(MUTATION_CHARS))


def _mutate(line: str, changes: list[tuple[str, int, str]]) -> str:
    for kind, at, text in changes:
        at %= len(line) + (kind == "insert")
        if kind == "insert":
            line = line[:at] + text + line[at:]
        elif kind == "delete":
            line = line[:at] + line[at + 1:]
        else:
            line = line[:at] + text + line[at + 1:]
    return line


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
    mutated = _mutate(line, changes)
    path = tmp_path / "mutated.log"
    path.write_text(f"START RequestId: abc Version: $LATEST\n{mutated}\nEND RequestId: abc\n")
    fast = parse_report_file(path)
    if fast is None:
        return
    assert re.fullmatch(CANONICAL, mutated, flags=re.ASCII), mutated
    slow = exact(path)
    assert fast.counts == slow.counts
    pd.testing.assert_frame_equal(fast.records, slow.records)
