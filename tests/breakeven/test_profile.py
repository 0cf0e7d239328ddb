"""``advisor local profile``: a real handler timed per batch size on the CPU; the CUDA path's checks."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from advisor.breakeven import GpuTimes
from advisor.breakeven.profile import check_device, parse_batches, profile_handler
from advisor.errors import TargetError, UsageError

from .conftest import REPO

DIGITS = f"{REPO / 'examples' / 'digits_classifier.py'}:handler"


def test_a_real_handler_is_timed_per_batch_and_its_csv_feeds_gpu_ms(cli, tmp_path: Path) -> None:
    out = tmp_path / "times.csv"
    result = cli("local", "profile", DIGITS, "--batch-key", "images", "--batches", "1,4000", "-n", "2",
                 "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [b["batch"] for b in document["batches"]] == [1, 4000]
    assert all(len(b["samples_ms"]) == 2 and b["median_ms"] > 0 for b in document["batches"])
    # classifying 4,000 images takes longer than one: the fitted line grows
    assert document["batches"][1]["median_ms"] > document["batches"][0]["median_ms"]
    read = GpuTimes.parse(str(out))
    assert read.points == tuple((b["batch"], round(b["median_ms"], 3)) for b in document["batches"])
    assert read.per_item_ms > 0


def test_a_handler_failing_at_a_batch_size_names_it(tmp_path: Path) -> None:
    handler = tmp_path / "picky.py"
    handler.write_text("def handler(event, context):\n    if event['batch'] > 4:\n        raise MemoryError('OOM')\n"
                       "    return event['batch']\n")
    with pytest.raises(TargetError, match="failed at batch 8"):
        profile_handler(f"{handler}:handler", batches=[1, 8], repeats=1)


def test_cuda_is_refused_before_anything_runs_where_no_gpu_can_be_used() -> None:
    if importlib.util.find_spec("torch") is None:
        with pytest.raises(UsageError, match="--device cuda needs PyTorch"):
            check_device("cuda")
        return
    import torch

    if torch.cuda.is_available():
        check_device("cuda")  # a GPU machine: the CUDA path may run
    else:
        with pytest.raises(UsageError, match="PyTorch sees no CUDA device"):
            check_device("cuda")


def test_devices_and_batch_sizes_are_checked() -> None:
    with pytest.raises(UsageError, match="--device 'tpu' is not a device"):
        check_device("tpu")
    assert parse_batches("32, 1,8,8") == [1, 8, 32]
    with pytest.raises(UsageError, match="--batches part 'big' is not a batch size"):
        parse_batches("1,big")
    with pytest.raises(UsageError, match="--batches 5,000 is outside the batch size"):
        parse_batches("5000")
