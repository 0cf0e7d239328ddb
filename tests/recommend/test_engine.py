"""``recommend()`` as a library call, on real workspaces: what it refuses and what it reports."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from advisor.breakeven.families import FAMILIES, parse_families
from advisor.breakeven.lineup import Lineup
from advisor.context import Context
from advisor.errors import UsageError
from advisor.pricing import PriceCatalog
from advisor.recommend import RecommendSettings, recommend
from advisor.simulate.inputs import read_trace_file
from advisor.sla import Sla

REPO = Path(__file__).resolve().parents[2]
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
CURVE = f"{REPO / 'tests' / 'tune' / 'plugin_target.py'}:CurveFunction"


def test_measurements_without_traffic_are_refused_with_what_to_import(cli, workspace: Path) -> None:
    assert cli("tune", "fn", "--target", CURVE, "--memory", "512..3008", "--sla", "p95=2s", "--rate", "1/min",
               "--yes", "--json").exit_code == 0
    with Context.resolve(workspace) as ctx, pytest.raises(UsageError, match="fn has no imported invocations") as err:
        recommend(ctx, "fn", RecommendSettings(Sla.parse("p95=2s")))
    assert "advisor import cloudwatch fn" in str(err.value.hint)


def test_a_recommendation_far_from_a_measured_size_says_to_measure_it(cli, workspace: Path) -> None:
    assert cli("import", "trace", str(TRACE)).exit_code == 0
    assert cli("tune", "543bec406831", "--target", CURVE, "--memory", "512,3008", "--sla", "p95=1500ms",
               "--yes", "--json").exit_code == 0
    with Context.resolve(workspace) as ctx:
        found = recommend(ctx, "543bec406831", RecommendSettings(Sla.parse("p95=3s"), platforms=()))
    best = found.recommended
    # measured: 256 MB (traffic), 512 and 3,008 MB (tuning); the pick lies between, in the model's hands
    assert best is not None and best.meets_sla and not best.measured
    assert 512 < best.memory_mb < 3008 and abs(math.log2(best.memory_mb / 512)) > 0.15
    gaps = {m.what: m for m in found.missing}
    gap = gaps[f"a measurement at {best.memory_mb:,} MB ({best.architecture})"]
    assert gap.command.endswith(f"--memory {best.memory_mb} --arch {best.architecture} --budget-invocations 3")
    assert found.breakeven is None and found.to_dict()["breakeven"] is None


def test_the_break_even_s_families_pick_its_platforms() -> None:
    trace = read_trace_file(TRACE)
    catalog = PriceCatalog.bundled()
    names = [m.name for m in Lineup(memory_mb=512).models(catalog, trace, families=("lambda", "cloud-run"))]
    assert names[:2] == ["lambda 512 MB", "lambda 512 MB pc=auto"] and all(
        n.startswith(("lambda", "cloud run")) for n in names)
    assert len(Lineup().models(catalog, trace)) == len(Lineup().models(catalog, trace, families=FAMILIES))
    assert parse_families("none") == () and parse_families("Dedicated, lambda") == ("dedicated", "lambda")
    with pytest.raises(UsageError, match="'gpu' is not a platform family"):
        parse_families("gpu")


def test_an_architecture_whose_sizes_all_failed_has_no_candidate_and_says_so(cli, workspace: Path) -> None:
    from advisor.tune.measure import Measurement
    from advisor.tune.records import store_tuning_records
    from advisor.workspace import Workspace

    assert cli("import", "trace", str(TRACE)).exit_code == 0
    failed = {"request_id": "oom-1", "status": "error", "error_type": "Runtime.OutOfMemory", "duration_ms": 80.0,
              "billed_duration_ms": 80, "memory_mb": 512, "max_memory_used_mb": 512, "architecture": "arm64",
              "start_time": "2026-01-05T00:00:00+00:00", "end_time": "2026-01-05T00:00:00.080000+00:00"}
    with Workspace.open(workspace) as store:
        assert store_tuning_records(store, "543bec406831", "s", Measurement(512, "arm64", (failed,), 0)) == 1
    with Context.resolve(workspace) as ctx:
        found = recommend(ctx, "543bec406831", RecommendSettings(Sla.parse("p95=40s"), platforms=()))
    assert {c.architecture for c in found.candidates} == {"x86_64"}
    assert "arm64: no size ran successfully (512 MB: error: Runtime.OutOfMemory), so none is a candidate" in found.notes
    gap = next(m for m in found.missing if m.what.startswith("durations at other memory sizes (arm64)"))
    assert "no size ran successfully, so arm64 has no candidate" in gap.why and "--arch arm64" in gap.command
    assert not any(m.what == "arm64 not measured" for m in found.missing)


def test_the_break_even_serves_a_mixed_traffic_as_the_recommended_candidate(cli, workspace: Path) -> None:
    """Traffic that ran at several sizes (docs/examples.md example 2) is not moved request by request
    to the break-even's size by the memory-scaling model: it is served with the durations the
    recommended candidate was replayed with, so its Lambda row has the candidate's latencies."""
    served = REPO / "traces" / "mlp-classifier-490f408b7641.csv"
    assert cli("import", "trace", str(served), "--function", "mlp").exit_code == 0
    with Context.resolve(workspace) as ctx:
        found = recommend(ctx, "mlp", RecommendSettings(Sla.parse("p99=500ms"), platforms=("lambda",),
                                                        factors=(1.0,)))
    best = found.recommended
    assert best is not None and best.memory_mb != 256 and found.breakeven is not None
    row = found.breakeven.results[1.0][0]
    assert row.latency_ms == pytest.approx({p: best.month.choice.latency_ms[p] for p in ("p50", "p95", "p99")},
                                           abs=1e-3)
    assert not any("moved from" in note for note in found.notes)