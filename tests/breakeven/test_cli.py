"""``advisor breakeven``: the rendered report, the JSON document, the same figure as ``advisor replay``, errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from .conftest import AZURE_2021, GPU_TABLE

BASE = ("breakeven", "--trace", str(AZURE_2021), "--all-functions", "--memory", "1024", "--sla", "p95=2s")
#: An SLA the long Azure durations meet on Lambda, so that cost decides a crossover.
LOOSE = ("--sla", "p99=10m")
PLATFORMS = ["lambda 1,024 MB", "lambda 1,024 MB pc=auto", "beam T4", "modal T4", "replicate T4", "runpod L4-24GB",
             "g4dn.xlarge", "g5.xlarge", "g6.xlarge", "g6e.xlarge", "inf2.xlarge", "ml.g5.xlarge",
             "cloud run 1 vCPU request", "cloud run L4"]


def test_rendered_report(cli, golden) -> None:
    out = cli(*BASE, *LOOSE, "--gpu-ms", GPU_TABLE, "--volumes", "0.1,1,10,100")
    assert out.exit_code == 0, out.stderr
    golden("breakeven.txt", out.stdout)


def test_json_document_holds_every_platform_at_every_volume(cli) -> None:
    out = cli(*BASE, "--gpu-ms", GPU_TABLE, "--volumes", "1,100", "--json")
    assert out.exit_code == 0, out.stderr
    document = json.loads(out.stdout)
    assert set(document) == {"function", "sla", "requests", "horizon_s", "volumes", "crossovers", "assumptions"}
    assert document["sla"] == "p95=2s" and document["requests"] == 199
    assert [v["factor"] for v in document["volumes"]] == [1.0, 100.0]
    for volume in document["volumes"]:
        assert [p["platform"] for p in volume["platforms"]] == PLATFORMS
        winners = [p for p in volume["platforms"] if p["meets_sla"] and p["monthly_usd"] is not None]
        cheapest = min(winners, key=lambda p: Decimal(p["monthly_usd"]))["platform"] if winners else None
        assert volume["cheapest"] == cheapest
    assert set(document["assumptions"]) == {"general", *PLATFORMS}
    assert document["assumptions"]["g5.xlarge"]["target_utilisation"] == 0.7


def test_platforms_leave_out_the_families_not_named(cli) -> None:
    out = cli(*BASE, "--gpu-ms", GPU_TABLE, "--volumes", "1", "--platforms", "serverless-gpu,dedicated", "--json")
    assert out.exit_code == 0, out.stderr
    (volume,) = json.loads(out.stdout)["volumes"]
    shown = [p["platform"] for p in volume["platforms"]]
    assert shown == [p for p in PLATFORMS if not p.startswith(("lambda", "cloud run"))]


def test_settings_reach_the_models_and_their_assumptions(cli) -> None:
    args = ("--gpu-ms", GPU_TABLE, "--volumes", "1", "--json", "--cloud-run-cpu", "2", "--cloud-run-memory", "4",
            "--target-utilisation", "0.5", "--scale-up-delay", "2m", "--replica-schedule", "00:00-12:00=3,else=1",
            "--idle-timeout", "5m", "--instance", "g6.xlarge", "--serverless-gpu", "modal:L4", "--batch", "4")
    document = json.loads(cli(*BASE, *args).stdout)
    assumptions = document["assumptions"]
    assert assumptions["cloud run 2 vCPU request"]["vcpus"] == 2.0
    assert assumptions["cloud run 2 vCPU request"]["memory_gib"] == 4.0
    assert assumptions["g6.xlarge"] | {"accelerator": None} == {
        "accelerator": None, "region": "us-east-1", "target_utilisation": 0.5, "scale_up_delay": "2m",
        "min_replicas": 1, "replica_schedule": "00:00-12:00=3,else=1", "scaling_window": "1h"}
    assert assumptions["modal L4"]["idle_timeout"] == "5m"
    assert assumptions["general"]["batch"] == 4
    assert [p["platform"] for p in document["volumes"][0]["platforms"]] == [
        "lambda 1,024 MB", "lambda 1,024 MB pc=auto", "modal L4", "g6.xlarge", "cloud run 2 vCPU request",
        "cloud run L4"]


def test_without_gpu_times_gpu_platforms_are_na_on_screen_and_null_in_json(cli) -> None:
    screen = cli(*BASE, "--volumes", "1")
    assert screen.exit_code == 0, screen.stderr
    assert "modal T4: n/a: give --gpu-ms" in screen.stdout
    document = json.loads(cli(*BASE, "--volumes", "1", "--json").stdout)
    rows = {p["platform"]: p for p in document["volumes"][0]["platforms"]}
    for name in ("modal T4", "g5.xlarge", "cloud run L4"):
        assert rows[name]["monthly_usd"] is None and rows[name]["meets_sla"] is None
        assert rows[name]["unavailable"] == "n/a: give --gpu-ms"
    assert rows["lambda 1,024 MB"]["monthly_usd"] is not None


@pytest.mark.parametrize("provisioned", ["0", "2"])
def test_lambda_is_priced_as_advisor_replay_prices_it(cli, provisioned: str) -> None:
    replayed = json.loads(cli("replay", "--trace", AZURE_2021, "--all-functions", "--memory", "1024",
                              "--provisioned", provisioned, "--keep-alive", "5m", "--json").stdout)
    document = json.loads(cli(*BASE, "--volumes", "1", "--provisioned", provisioned, "--keep-alive", "5m",
                              "--json").stdout)
    rows = document["volumes"][0]["platforms"]
    row = rows[0] if provisioned == "0" else rows[1]
    assert Decimal(row["period_usd"]) == Decimal(replayed["cost_usd"]["total_usd"])
    assert row["latency_ms"]["p95"] == pytest.approx(replayed["latency_ms"]["p95"], rel=1e-6)
    assert row["cold_fraction"] == replayed["cold_fraction"]


@pytest.mark.parametrize("keep_warm", [("--ping-every", "4m"), ("--ping-every", "90s", "--ping-concurrency", "2"),
                                       ("--provisioned-schedule", "00:00-12:00=2,else=1")])
def test_lambda_keep_warm_is_priced_as_advisor_replay_prices_it(cli, keep_warm: tuple[str, ...]) -> None:
    """The first Lambda row under replay's keep-warm options: the same replay, the same figures."""
    replayed = json.loads(cli("replay", "--trace", AZURE_2021, "--all-functions", "--memory", "1024", *keep_warm,
                              "--json").stdout)
    document = json.loads(cli(*BASE, "--volumes", "1", *keep_warm, "--json").stdout)
    row = document["volumes"][0]["platforms"][0]
    assert row["platform"] != "lambda 1,024 MB"  # named for its keep-warm setting
    assert Decimal(row["period_usd"]) == Decimal(replayed["cost_usd"]["total_usd"])
    assert row["latency_ms"]["p95"] == pytest.approx(replayed["latency_ms"]["p95"], rel=1e-6)
    assert row["cold_fraction"] == replayed["cold_fraction"]


@pytest.mark.parametrize(("args", "message"), [
    (("--ping-every", "4m", "--provisioned-schedule", "else=1"), "give either --ping-every or --provisioned-schedule"),
    (("--ping-concurrency", "2"), "--ping-concurrency needs --ping-every"),
    (("--gpu-ms", "1=40"), "--gpu-ms part '1=40' is not batch:ms"),
    (("--sla", "p95=2"), "--sla"),
    (("--volumes", "0,1"), "--volumes 0 is outside the volume factor"),
    (("--target-utilisation", "2"), "--target-utilisation 2 is outside the target utilisation"),
    (("--instance", "g9.huge"), "no instance type 'g9.huge'"),
    (("--serverless-gpu", "modal"), "--serverless-gpu 'modal' is not PROVIDER:GPU"),
    (("--serverless-gpu", "modal:B300"), "modal has no GPU 'B300'"),
    (("--cloud-run-billing", "free"), "--cloud-run-billing 'free' is not a Cloud Run billing mode"),
    (("--provisioned", "many"), "--provisioned 'many' is not a number of instances or auto"),
    (("--cloud-run-cpu", "16"), "--cloud-run-cpu 16 is outside Cloud Run's vCPU per instance"),
    (("--replica-schedule", "8-20=2"), "cannot read '8-20=2' in provisioned schedule"),
    (("--platforms", "none"), "--platforms none leaves advisor breakeven nothing to compare"),
    (("--platforms", "lambda,tpu"), "--platforms 'tpu' is not a platform family"),
])
def test_bad_options_are_one_line_errors(cli, args: tuple[str, ...], message: str) -> None:
    out = cli(*BASE, *args)
    assert out.exit_code != 0
    assert message in out.stderr and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_a_workspace_function_is_read_from_the_workspace(cli, tmp_path: Path) -> None:
    assert cli("import", "trace", AZURE_2021).exit_code == 0
    listed = json.loads(cli("functions", "--json").stdout)["functions"]
    name = max(listed, key=lambda f: f["invocations"])["name"]
    out = cli("breakeven", name, "--memory", "1024", "--volumes", "1", "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["function"] == name
