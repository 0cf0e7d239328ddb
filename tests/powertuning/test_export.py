"""``advisor export powertuning-url``: advisor's measurements as Power Tuning's chart, priced by
the workspace's catalog, and back through the import to the same figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.errors import InputError, NotFoundError
from advisor.models.evaluation import load_mbwilding
from advisor.platform.aws_lambda import billed_ms
from advisor.powertuning.export import export_url
from advisor.powertuning.url import as_float32, decode_url
from advisor.pricing import PriceCatalog
from advisor.pricing.lambda_ import prices
from advisor.tune.measure import Measurement
from advisor.tune.records import store_tuning_records
from advisor.workspace import Workspace
from tests.logs._samples import write

CSV = "lambda-measurements/mbwilding-s3-benchmark/lambda_benchmark_results.csv"
SIZES = (128, 512, 1024, 2048)


@pytest.fixture
def measured(shared_data: Path) -> pd.DataFrame:
    """Real Lambda measurements: python311 on both architectures at four sizes."""
    samples = load_mbwilding(shared_data / CSV)
    return samples[(samples.runtime == "python311") & samples.memory_mb.isin(SIZES)].reset_index(drop=True)


@pytest.fixture
def tuned(workspace: Path, measured: pd.DataFrame) -> Path:
    """A workspace whose function ``s3`` holds those measurements as the tuner's records."""
    with Workspace.open(workspace) as store:
        for (arch, memory), group in measured.groupby(["arch", "memory_mb"]):
            records = tuple({"request_id": f"{arch}-{memory}-{i}", "status": "success", "memory_mb": int(memory),
                             "architecture": arch, "duration_ms": float(row.duration_ms),
                             "billed_duration_ms": int(billed_ms(row.duration_ms)),
                             "init_ms": None if np.isnan(row.init_ms) else float(row.init_ms)}
                            for i, row in enumerate(group.itertuples()))
            store_tuning_records(store, "s3", "study-1", Measurement(int(memory), arch, records, trial=0))
    return workspace


def _expected_cost(durations: pd.Series, memory: int, arch: str, catalog: PriceCatalog) -> float:
    """The compute charge of one invocation: the catalog's GB-second price times its GB-seconds."""
    per_gb_s = float(prices(catalog, "us-east-1", arch)[1].duration.value)
    return float(billed_ms(durations.to_numpy()).sum()) / 1000 * memory / 1024 * per_gb_s / len(durations)


def test_the_url_holds_each_architectures_mean_and_cost_per_size(tuned: Path, measured: pd.DataFrame) -> None:
    catalog = PriceCatalog.for_workspace(tuned)
    with Workspace.open(tuned) as store:
        export = export_url(store, "s3", catalog=catalog)
    chart = decode_url(export.url)
    assert [s.legend for s in chart.sets] == ["arm64", "x86_64"], "two architectures: a comparison"
    for chart_set in chart.sets:
        assert chart_set.memory_mb == SIZES
        for memory, duration, cost in zip(chart_set.memory_mb, chart_set.duration_ms, chart_set.cost, strict=True):
            runs = measured[(measured.arch == chart_set.legend) & (measured.memory_mb == memory)].duration_ms
            assert duration == as_float32(runs.mean())
            assert cost == pytest.approx(_expected_cost(runs, memory, str(chart_set.legend), catalog), rel=1e-6)
    doc = export.to_dict()
    assert doc["url"] == export.url and doc["region"] == "us-east-1"
    assert "without the request charge" in doc["cost_basis"]
    first = doc["sizes"][0]
    assert (first["architecture"], first["memory_mb"]) == ("arm64", 128)
    assert first["invocations"] == {"tuning": 11, "traffic": 0}


def test_one_architecture_is_a_single_set(tuned: Path) -> None:
    with Workspace.open(tuned) as store:
        export = export_url(store, "s3", catalog=PriceCatalog.for_workspace(tuned), architecture="x86_64")
    (only,) = decode_url(export.url).sets
    assert only.legend is None and only.memory_mb == SIZES
    assert {s.architecture for s in export.sizes} == {"x86_64"}


def test_export_then_import_gives_back_the_same_figures(cli, tuned: Path) -> None:
    exported = json.loads(cli("export", "powertuning-url", "s3", "--json").stdout)
    result = cli("import", "powertuning", "s3-again", exported["url"], "--json")
    assert result.exit_code == 0, result.stderr
    imported = json.loads(result.stdout)["inputs"][0]["sizes"]
    assert [(s["architecture"], s["memory_mb"]) for s in imported] == \
        [(s["architecture"], s["memory_mb"]) for s in exported["sizes"]]
    for back, out in zip(imported, exported["sizes"], strict=True):
        assert back["mean_duration_ms"] == as_float32(out["mean_duration_ms"])
        assert back["cost"] == as_float32(out["cost_usd"])


def test_the_traffic_counts_beside_the_tuners_records(tuned: Path, cli, tmp_path: Path) -> None:
    log = write(tmp_path, "S002")  # a real REPORT line: 256 MB, 4,157.16 ms, billed 4,200 ms
    assert cli("import", "logs", log, "--function", "s3").exit_code == 0
    doc = json.loads(cli("export", "powertuning-url", "s3", "--arch", "x86_64", "--json").stdout)
    at_256 = next(s for s in doc["sizes"] if s["memory_mb"] == 256)
    assert at_256["invocations"] == {"tuning": 0, "traffic": 1} and at_256["mean_duration_ms"] == 4157.16
    per_gb_s = float(prices(PriceCatalog.for_workspace(tuned), "us-east-1", "x86_64")[1].duration.value)
    assert at_256["cost_usd"] == pytest.approx(4.2 * 0.25 * per_gb_s), "the billed duration as logged"


def test_power_tuning_imports_are_not_exported(workspace: Path) -> None:
    from advisor.powertuning.importing import import_powertuning

    import_powertuning("api", [str(Path(__file__).parent / "data" / "issue265-output.json")], workspace=workspace)
    with Workspace.open(workspace) as store, pytest.raises(InputError, match="no successful invocation"):
        export_url(store, "api", catalog=PriceCatalog.for_workspace(workspace))
    with Workspace.open(workspace) as store, pytest.raises(NotFoundError, match="'nope' is not in workspace"):
        export_url(store, "nope", catalog=PriceCatalog.for_workspace(workspace))
