"""The vectorised fast path yields exactly the exact parser's records, or declines."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.logs.fast import parse_report_file
from advisor.logs.reader import read_text
from advisor.logs.text import TextParser

from ._samples import SAMPLES, sample

REPO = Path(__file__).resolve().parents[2]


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


values = st.fixed_dictionaries({
    "rid": st.from_regex(r"[0-9a-f]{8}-[0-9a-f]{4}", fullmatch=True),
    "duration": st.integers(0, 10_000_000).map(lambda n: n / 100),
    "extra": st.integers(0, 300),
    "memory": st.integers(128, 10240),
    "used": st.integers(1, 10240),
    "init": st.none() | st.integers(0, 1_000_000).map(lambda n: n / 100),
    "status": st.sampled_from([None, "timeout", "error"]),
    "error": st.sampled_from([None, "Runtime.OutOfMemory", "Runtime.ExitError"]),
    "stamp": st.none() | st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(),
                                       max_value=pd.Timestamp("2030-01-01").to_pydatetime()),
    "trailing_tab": st.booleans(),
    "billed_below": st.booleans(),
})
noise = st.sampled_from(["START RequestId: abc Version: $LATEST", "END RequestId: abc", "",
                         "2024-01-01T00:00:00.000Z\tabc\tINFO\thello", "XRAY TraceId: 1-2-3\tSampled: true",
                         "INIT_START Runtime Version: python:3.12"])


def _line(v: dict) -> str:
    billed = max(0, int(v["duration"]) - 1) if v["billed_below"] else int(v["duration"]) + 1 + v["extra"]
    text = (f"REPORT RequestId: {v['rid']}\tDuration: {v['duration']:.2f} ms\tBilled Duration: {billed} ms"
            f"\tMemory Size: {v['memory']} MB\tMax Memory Used: {v['used']} MB")
    if v["init"] is not None:
        text += f"\tInit Duration: {v['init']:.2f} ms"
    if v["status"]:
        text += f"\tStatus: {v['status']}"
        if v["status"] == "error" and v["error"]:
            text += f"\tError Type: {v['error']}"
    if v["trailing_tab"]:
        text += "\t"
    if v["stamp"] is not None:
        text = v["stamp"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z " + text
    return text


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(values.map(_line) | noise, min_size=1, max_size=40))
def test_generated_logs_fast_equals_exact(tmp_path: Path, lines: list[str]):
    path = tmp_path / "generated.log"
    path.write_text("\n".join(lines) + "\n")
    if not any("REPORT" in line for line in lines):
        return
    assert_same(path)
