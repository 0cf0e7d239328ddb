"""``advisor pricing``: JSON outputs compared exactly, rendered table against a golden file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from advisor.pricing import _catalog


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_cost_of_aws_s_example_with_free_tier(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "cost", "--memory", "512", "--duration-ms", "1000", "--invocations", "3000000",
                 "--free-tier", "--json")
    assert _json(result) == {
        "region": "us-east-1", "arch": "x86_64", "memory_mb": 512, "billed_duration_ms": 1000,
        "invocations": 3000000, "free_tier": True, "provisioned": None, "hours": None,
        "compute_usd": "18.33337", "requests_usd": "0.40", "provisioned_usd": "0.00", "total_usd": "18.73337",
    }


def test_cost_per_invocation_on_arm64(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "cost", "--memory", "1024", "--duration-ms", "299.2", "--arch", "arm64", "--json")
    assert _json(result) == {
        "region": "us-east-1", "arch": "arm64", "memory_mb": 1024, "billed_duration_ms": 300,
        "invocations": None, "free_tier": False, "provisioned": None, "hours": None,
        "compute_usd": "0.00000400002", "requests_usd": "0.0000002", "provisioned_usd": "0.00",
        "total_usd": "0.00000420002",
    }


def test_cost_with_provisioned_concurrency(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "cost", "--memory", "1024", "--duration-ms", "1000", "--invocations", "1000000",
                 "--provisioned", "10", "--hours", "720", "--json")
    assert _json(result) == {
        "region": "us-east-1", "arch": "x86_64", "memory_mb": 1024, "billed_duration_ms": 1000,
        "invocations": 1000000, "free_tier": False, "provisioned": 10, "hours": 720.0,
        "compute_usd": "9.7222", "requests_usd": "0.20", "provisioned_usd": "108.000864", "total_usd": "117.923064",
    }


def test_cost_of_a_dedicated_instance(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "cost", "--instance", "g4dn.xlarge", "--hours", "730", "--region", "us-east-1", "--json")
    assert _json(result) == {
        "instance_type": "g4dn.xlarge", "region": "us-east-1", "hours": 730.0, "gpu": "NVIDIA T4", "gpus": 1,
        "hourly_usd": "0.526", "total_usd": "383.98", "source": "ec2-gpu-table", "date": "unknown",
    }


def test_cost_renders_a_table(cli, golden) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "cost", "--memory", "2048", "--duration-ms", "120", "--invocations", "50000000",
                 "--region", "eu-central-1")
    assert result.exit_code == 0, result.stderr
    golden("pricing_cost.txt", result.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--memory", "64", "--duration-ms", "10"), "--memory 64 is outside Lambda's memory size 128-10,240 MB"),
        (("--memory", "128", "--duration-ms", "10", "--free-tier"), "--free-tier needs --invocations"),
        (("--memory", "128", "--duration-ms", "10", "--provisioned", "2"), "--provisioned and --hours go together"),
        (("--memory", "128", "--duration-ms", "10", "--arch", "sparc"), "--arch 'sparc' is not a Lambda architecture"),
        (("--instance", "g4dn.xlarge"), "--instance takes --hours"),
        (("--duration-ms", "10",), "give --memory and --duration-ms"),
    ],
)
def test_bad_cost_options_are_one_line_usage_errors(cli, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "cost", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in " ".join(result.stderr.split())


def test_unknown_region_exits_4_naming_the_known_ones(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "cost", "--memory", "128", "--duration-ms", "10", "--region", "xx-nowhere-1")
    assert result.exit_code == 4
    assert "no Lambda region 'xx-nowhere-1'" in result.stderr


def test_show_renders_sources_and_dates(cli, golden) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "show", "--provider", "lambda", "--region", "af-south-1")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    golden("pricing_show_lambda_af_south_1.txt", result.stdout)


def test_show_json_lists_every_figure_with_source_and_date(cli) -> None:  # type: ignore[no-untyped-def]
    document = _json(cli("pricing", "show", "--provider", "aws-ec2", "--json"))
    (catalog,) = document["catalogs"]
    assert catalog["family"] == "aws-ec2" and catalog["stale"] is False
    first = catalog["figures"][0]
    assert first == {
        "key": "regions.us-east-1.g4dn.xlarge.hourly", "value": "0.526", "unit": "USD/hour", "source": "ec2-gpu-table",
        "source_title": first["source_title"], "url": None, "date": "unknown", "verified": True,
        "note": "same figure in the research file's public cost tables",
    }
    assert len(catalog["figures"]) == 10


def test_show_warns_when_a_catalog_is_older_than_180_days(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    old = tmp_path / "old-catalogs"
    shutil.copytree(_catalog.bundled_dir(), old)
    document = yaml.safe_load((old / "serverless-gpu.yaml").read_text())
    document["as_of"] = "2025-01-01"
    (old / "serverless-gpu.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.setattr(_catalog, "bundled_dir", lambda: old)
    result = cli("pricing", "show", "--provider", "modal", "--json")
    assert _json(result)["catalogs"][0]["stale"] is True
    warning = " ".join(result.stderr.split())
    assert warning.startswith("warning: the serverless-gpu catalog is dated 2025-01-01 (")
    assert "run `advisor pricing refresh`" in warning
    fresh = cli("pricing", "show", "--provider", "lambda", "--json")
    assert fresh.stderr == "" and _json(fresh)["catalogs"][0]["stale"] is False


def test_show_of_a_region_lists_only_catalogs_that_price_it(cli) -> None:  # type: ignore[no-untyped-def]
    document = _json(cli("pricing", "show", "--region", "us-central1", "--json"))
    assert [c["family"] for c in document["catalogs"]] == ["gcp-cloud-run"]
    assert len(document["catalogs"][0]["figures"]) == 7


def test_show_of_nothing_known_is_not_found(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("pricing", "show", "--provider", "nimbus")
    assert result.exit_code == 4
    assert "no prices match provider 'nimbus'" in result.stderr
