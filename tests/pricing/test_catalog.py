"""Catalogs: every bundled file loads, bad files are named with their key, overrides win."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import InputError
from advisor.pricing import _catalog, lambda_month_cost
from advisor.pricing.money import round_cents
from advisor.pricing.lambda_ import FAMILY as LAMBDA
from advisor.pricing.listing import FAMILIES, describe, load_all

REPO = Path(__file__).resolve().parents[2]
CATALOG_NAMES = {f"{family.name}.yaml" for family in FAMILIES}


def _bundled(name: str = "aws-lambda.yaml") -> dict:
    return yaml.safe_load((_catalog.bundled_dir() / name).read_text())


def _write_override(workspace: Path, document: dict, name: str = "aws-lambda.yaml") -> Path:
    path = workspace / "pricing" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _override_us_east_1(workspace: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    document = _bundled()
    document["regions"] = {"us-east-1": document["regions"]["us-east-1"]}
    del document["settings"]
    edit(document)
    return _write_override(workspace, document)


def test_every_bundled_catalog_loads_and_has_nine_lambda_regions(catalog) -> None:
    catalogs = load_all(catalog=catalog)
    assert {c.family for c in catalogs} == {f.name for f in FAMILIES}
    lambda_regions = set(catalogs[0].entries)
    assert {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-south-1",
            "sa-east-1", "af-south-1", "ap-east-1"} <= lambda_regions


def test_every_figure_has_a_source_and_a_date() -> None:
    for family in FAMILIES:
        file = _catalog.read_file(_catalog.bundled_dir() / family.filename, family=family.name, override=False)
        figures = list(_catalog.figures(file))
        assert figures, family.name
        for key, figure in figures:
            assert figure.source.title and figure.date, f"{family.name}: {key}"


def test_the_pricier_regions_cost_more(catalog) -> None:
    base = lambda_month_cost(1_000_000, 0, region="us-east-1", catalog=catalog).compute_usd
    assert lambda_month_cost(1_000_000, 0, region="af-south-1", catalog=catalog).compute_usd == Decimal("22.1")
    assert lambda_month_cost(1_000_000, 0, region="ap-east-1", catalog=catalog).compute_usd == Decimal("22.92")
    assert base == Decimal("16.6667")


def test_override_with_the_page_s_rounded_rate_reproduces_aws_s_18_34(catalog, isolated_overrides: Path) -> None:
    def rounded(document: dict) -> None:
        document["regions"]["us-east-1"]["x86_64"]["duration_tiers"][0]["price"]["value"] = "0.00001667"

    _override_us_east_1(isolated_overrides, rounded)
    cost = lambda_month_cost(1_500_000, 3_000_000, free_tier=True, catalog=catalog)
    assert cost.compute_usd == Decimal("18.337")
    assert round_cents(cost.compute_usd) == Decimal("18.34")
    assert round_cents(cost.total_usd) == Decimal("18.74")
    assert lambda_month_cost(1_000_000, 0, region="eu-west-1", catalog=catalog).compute_usd == Decimal("16.6667")  # untouched


@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        (lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_tiers"][0]["price"].update(value="abc"),
         "regions.us-east-1.x86_64.duration_tiers[0].price.value", "expected a number"),
        (lambda d: d["regions"]["us-east-1"].pop("requests"), "regions.us-east-1.requests", "is missing"),
        (lambda d: d["regions"]["us-east-1"]["requests"].update(source="hearsay"),
         "regions.us-east-1.requests.source", "unknown source 'hearsay'"),
        (lambda d: d["regions"]["us-east-1"]["requests"].update(unit="USD/request"),
         "regions.us-east-1.requests.unit", "expected unit 'USD/1M-requests'"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_tiers"].pop(),
         "regions.us-east-1.x86_64.duration_tiers", "the last tier must be unbounded"),
        (lambda d: d.update(as_of="last week"), "as_of", "expected a date"),
    ],
)
def test_a_bad_catalog_names_its_file_and_key(catalog, isolated_overrides: Path, edit, key: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = _override_us_east_1(isolated_overrides, edit)
    with pytest.raises(InputError) as caught:
        lambda_month_cost(1, 1, catalog=catalog)
    message = str(caught.value)
    assert str(path) in message and f"key '{key}'" in message and problem in message


def test_a_catalog_that_is_not_yaml_names_its_file_and_line(catalog, isolated_overrides: Path) -> None:
    path = isolated_overrides / "pricing" / "aws-lambda.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("family: aws-lambda\nregions: [unclosed\n")
    with pytest.raises(InputError, match=rf"{path} line \d+ is not valid YAML"):
        lambda_month_cost(1, 1, catalog=catalog)


def test_a_broken_bundled_catalog_is_named_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "bundled"
    broken.mkdir()
    document = _bundled()
    document["settings"]["free_tier_gb_seconds"]["value"] = -5
    (broken / "aws-lambda.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.setattr(_catalog, "bundled_dir", lambda: broken)
    with pytest.raises(InputError, match=r"aws-lambda.yaml: key 'settings.free_tier_gb_seconds.value': must be at least 0"):
        _catalog.load(LAMBDA)


def test_an_override_may_change_one_setting_and_the_bundled_file_must_have_them_all(
    catalog, isolated_overrides: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _bundled()
    _write_override(isolated_overrides, {
        "family": "aws-lambda", "currency": "USD", "as_of": "2026-11-23", "sources": document["sources"],
        "settings": {"free_tier_requests": {**document["settings"]["free_tier_requests"], "value": 2_000_000}},
    })
    assert lambda_month_cost(0, 2_000_000, free_tier=True, catalog=catalog).requests_usd == 0
    (view,) = describe(catalog, "lambda", "us-east-1")
    free = [r for r in view.rows if r.key == "settings.free_tier_requests.value" or r.key == "settings.free_tier_requests"]
    assert [(r.figure.value, r.file.parent.name) for r in free] == [(Decimal(2_000_000), "pricing")]
    del document["settings"]["free_tier_requests"]
    broken = tmp_path / "bundled"
    broken.mkdir()
    (broken / "aws-lambda.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.setattr(_catalog, "bundled_dir", lambda: broken)
    (isolated_overrides / "pricing" / "aws-lambda.yaml").unlink()
    with pytest.raises(InputError, match=r"bundled/aws-lambda.yaml: key 'settings.free_tier_requests': is missing"):
        _catalog.load(LAMBDA)


def test_the_workspace_override_beats_the_user_config(catalog, isolated_overrides: Path, tmp_path: Path) -> None:
    def rate(value: str):  # type: ignore[no-untyped-def]
        return lambda d: d["regions"]["us-east-1"]["requests"].update(value=value)

    _override_us_east_1(isolated_overrides, rate("0.30"))
    config = tmp_path / "config" / "advisor"
    document = _bundled()
    document["regions"] = {"us-east-1": document["regions"]["us-east-1"]}
    del document["settings"]
    document["regions"]["us-east-1"]["requests"]["value"] = "0.25"
    _write_override(config, document)
    assert lambda_month_cost(0, 1_000_000, catalog=catalog).requests_usd == Decimal("0.30")
    (isolated_overrides / "pricing" / "aws-lambda.yaml").unlink()
    assert lambda_month_cost(0, 1_000_000, catalog=catalog).requests_usd == Decimal("0.25")


@pytest.mark.slow
def test_the_built_wheel_ships_the_catalogs_and_finds_them_installed(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(wheels)],
        check=True, capture_output=True,
    )
    (wheel,) = wheels.glob("advisor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"advisor/_catalogs/{name}" for name in CATALOG_NAMES} <= names
    # The C parser (hatch_build.py) is compiled into it; its source stays out.
    assert "advisor/logs/_scan.c" not in names
    assert [n for n in names if n.startswith("advisor/logs/_scan.") and n.endswith(".so")]
    assert not wheel.name.endswith("-none-any.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )
    probe = (
        "import advisor.pricing._catalog as c, advisor.pricing as p, advisor.logs.fast as f; "
        "print(c.bundled_dir()); print(p.instance_cost('g4dn.xlarge', 730, catalog=p.PriceCatalog.bundled())); "
        "print(f._scan_module().__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    ).stdout.splitlines()
    assert out[:2] == [str(target / "advisor" / "_catalogs"), "383.980"]
    assert Path(out[2]).parent == target / "advisor" / "logs"


def test_the_source_tree_finds_the_repository_catalogs() -> None:
    assert _catalog.bundled_dir() == REPO / "pricing"
    assert {p.name for p in (REPO / "pricing").glob("*.yaml")} == CATALOG_NAMES


def _leaves(node: object, path: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(node, list):
        return [leaf for index, value in enumerate(node) for leaf in _leaves(value, (*path, index))]
    return [path]


BUNDLED_FILES = sorted(CATALOG_NAMES)
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just("-0.1"), st.just("1e400"),
)


@settings(max_examples=80)
@given(name=st.sampled_from(BUNDLED_FILES), pick=st.integers(min_value=0), junk=JUNK, data=st.data())
def test_any_corrupted_value_loads_or_fails_naming_the_file(tmp_path_factory, name: str, pick: int, junk, data) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("corrupt")
    document = yaml.load((_catalog.bundled_dir() / name).read_text(), Loader=yaml.CSafeLoader)
    leaves = _leaves(document)
    path = leaves[pick % len(leaves)]
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = junk
    (directory / name).write_text(yaml.dump(document, Dumper=yaml.CSafeDumper))
    family = next(f for f in FAMILIES if f.filename == name)
    try:
        _catalog.load_file(family, directory / name)
    except InputError as exc:
        assert str(directory / name) in str(exc)
