"""``--gpu-ms``: the table and CSV forms, the fitted line, one-line errors naming the culprit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from advisor.breakeven import GpuTimes
from advisor.errors import InputError, UsageError


def test_a_table_is_fitted_by_least_squares() -> None:
    times = GpuTimes.parse("32:260, 1:40,8:95")
    assert times.points == ((1, 40.0), (8, 95.0), (32, 260.0))
    slope, intercept = np.polyfit([1, 8, 32], [40, 95, 260], 1)
    assert times.per_item_ms == pytest.approx(slope) and times.intercept_ms == pytest.approx(intercept)
    assert times.throughput_per_s(8) == pytest.approx(8000 / (intercept + 8 * slope))


def test_exact_line_is_recovered_and_one_point_assumes_no_batching_gain() -> None:
    line = GpuTimes.parse("1:12,4:30,16:102")
    assert (line.intercept_ms, line.per_item_ms) == pytest.approx((6.0, 6.0))
    single = GpuTimes.parse("4:100")
    assert single.ms(8) == pytest.approx(200.0) and single.ms(1) == pytest.approx(25.0)


def test_a_csv_file_with_or_without_header(tmp_path: Path) -> None:
    path = tmp_path / "gpu.csv"
    path.write_text("batch,ms\n1,40\n8,95\n\n32,260\n")
    assert GpuTimes.parse(str(path)) == GpuTimes.parse("1:40,8:95,32:260")
    path.write_text("1,40\n8,95\n")
    assert GpuTimes.parse(str(path)).points == ((1, 40.0), (8, 95.0))


@pytest.mark.parametrize(("text", "message"), [
    ("1=40", "--gpu-ms part '1=40' is not batch:ms"),
    ("1:fast", "is not a batch size and a time in ms"),
    ("0:40", "batch 0 is outside the batch size"),
    ("1:40,1:50", "gives a batch size twice"),
    ("1:90,8:40", "GPU time does not grow with the batch size"),
    ("1:0", "a batch takes some time"),
    ("", "gives no batch size"),
])
def test_bad_tables_are_one_line_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        GpuTimes.parse(text)
    assert "\n" not in str(caught.value)


def test_a_bad_csv_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "gpu.csv"
    path.write_text("batch,ms\n1,40\n8,95,3\n")
    with pytest.raises(InputError, match=f"{path}:3: expected two columns"):
        GpuTimes.parse(str(path))
    path.write_text("1,40\nx,95\n")
    with pytest.raises(InputError, match=f"{path}:2"):
        GpuTimes.parse(str(path))
    with pytest.raises(InputError, match="cannot read --gpu-ms file"):
        GpuTimes.parse(str(tmp_path / "missing.csv"))
