"""Measurement tables and workspace invocations as model samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.models.samples import (
    load_samples,
    one_architecture,
    read_measurements,
    workspace_samples,
)
from advisor.record import empty_frame


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_reads_rows_with_optional_init_left_empty(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", "memory_mb,duration_ms,init_ms\n512,100.5,\n1024,60,250.25\n")
    frame = read_measurements(path)
    assert list(frame.columns) == ["memory_mb", "duration_ms", "init_ms"]
    assert frame["duration_ms"].tolist() == [100.5, 60.0]
    assert np.isnan(frame["init_ms"][0]) and frame["init_ms"][1] == 250.25


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("memory,duration_ms\n512,1\n", "m.csv:1: missing column(s) memory_mb"),
        ("memory_mb,duration_ms\n512,1\n512,abc\n", "m.csv:3: duration_ms 'abc' is not a number"),
        ("memory_mb,duration_ms\n100,1\n", "m.csv:2: memory_mb '100' is not a whole number within Lambda's memory size 128-10,240 MB"),
        ("memory_mb,duration_ms\n512.5,1\n", "m.csv:2: memory_mb '512.5' is not a whole number"),
        ("memory_mb,duration_ms\n512,-3\n", "m.csv:2: duration_ms '-3' must be a positive number"),
        ("memory_mb,duration_ms\n512,\n", "m.csv:2: duration_ms '' is not a number"),
        ("memory_mb,duration_ms\n", "m.csv: no data rows"),
    ],
)
def test_bad_tables_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "m.csv", text)
    with pytest.raises(InputError) as caught:
        read_measurements(path)
    assert message in str(caught.value)


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        read_measurements(tmp_path / "absent.csv")


@given(
    st.lists(
        st.tuples(st.integers(128, 10240), st.floats(0.01, 1e6, allow_nan=False)),
        min_size=1, max_size=30,
    )
)
def test_every_valid_row_is_read_back_exactly(rows: list[tuple[int, float]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.csv"
        path.write_text("memory_mb,duration_ms\n" + "".join(f"{m},{d!r}\n" for m, d in rows))
        frame = read_measurements(path)
    assert frame["memory_mb"].tolist() == [float(m) for m, _ in rows]
    assert frame["duration_ms"].tolist() == [d for _, d in rows]


def test_workspace_samples_keep_successful_invocations_only() -> None:
    records = pd.concat([empty_frame()] * 1, ignore_index=True).reindex(range(3))
    records["status"] = ["success", "timeout", "success"]
    records["memory_mb"] = [512, 512, 1024]
    records["duration_ms"] = [100.0, 3000.0, 60.0]
    records["init_ms"] = [np.nan, np.nan, 200.0]
    records["max_memory_used_mb"] = [90, 95, 91]
    samples = workspace_samples(records, "f")
    assert samples["duration_ms"].tolist() == [100.0, 60.0]
    assert samples["max_memory_used_mb"].tolist() == [90.0, 91.0]


def test_function_and_data_are_exclusive(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="either a FUNCTION name or --data"):
        load_samples("f", tmp_path / "m.csv")
    with pytest.raises(UsageError):
        load_samples(None, None)


def test_mixed_architectures_keep_the_chosen_one_and_reject_an_absent_one() -> None:
    samples = pd.DataFrame({"memory_mb": [512.0, 1024.0, 512.0], "duration_ms": [1.0, 2.0, 3.0],
                            "architecture": ["arm64", "arm64", "x86_64"]})
    assert one_architecture(samples, "arm64")["duration_ms"].tolist() == [1.0, 2.0]
    with pytest.raises(UsageError, match="mix architectures arm64, x86_64, none is 'riscv'"):
        one_architecture(samples, "riscv")


def test_a_model_refuses_samples_that_mix_architectures() -> None:
    from advisor.models import DurationModel

    X = pd.DataFrame({"memory_mb": [512, 1024], "architecture": ["arm64", "x86_64"]})
    with pytest.raises(ValueError, match="fit one model per architecture"):
        DurationModel().fit(X, [100.0, 50.0])


def _records(memory: list[int], durations: list[float]) -> pd.DataFrame:
    records = empty_frame().reindex(range(len(memory)))
    records["status"] = "success"
    records["memory_mb"] = memory
    records["duration_ms"] = durations
    return records


def test_invocations_across_memory_changes_give_a_scaling_of_their_durations() -> None:
    from advisor.models import MemoryScaling

    records = _records([512] * 4 + [1024] * 4, [2000.0, 2100, 1900, 2000] + [1000.0] * 4)
    scaling = MemoryScaling.fit(workspace_samples(records, "f"), function="f")
    rescaled = scaling.rescale_durations(np.array([2000.0]), 512, 1024)
    assert rescaled[0] == pytest.approx(1000.0, rel=0.02)
