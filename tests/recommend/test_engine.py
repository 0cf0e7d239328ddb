"""``recommend()`` as a library call, on real workspaces: what it refuses and what it reports."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from advisor.breakeven.lineup import FAMILIES, Lineup, parse_families
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
