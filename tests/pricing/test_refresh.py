"""``pricing refresh`` against botocore's Stubber fed with responses in the real Price List shape."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import ANY, Stubber

from advisor.errors import RemoteError
from advisor.pricing import instance_cost, lambda_month_cost, lambda_records_cost, provisioned_cost
from advisor.pricing import refresh as refresh_module
from advisor.pricing.refresh import refresh

TODAY = dt.date(2026, 11, 23)
LOCATION = "US East (N. Virginia)"
EC2_TYPES = ["g4dn.xlarge", "g4dn.2xlarge", "g4dn.12xlarge", "g5.xlarge", "g5.2xlarge", "g5.12xlarge",
             "g6.xlarge", "g6e.xlarge", "p3.2xlarge", "inf2.xlarge"]
OFFER = "JRTCKXETXF"


def _product(service: str, sku: str, attributes: dict[str, str], dims: list[tuple[str, str, str, str]]) -> str:
    """One PriceList entry exactly as get_products returns it: a JSON *string*."""
    dimensions = {
        f"{sku}.{OFFER}.{i}": {
            "unit": unit, "endRange": end, "description": f"{attributes.get('group', 'EC2')} {begin}-{end}",
            "appliesTo": [], "rateCode": f"{sku}.{OFFER}.{i}", "beginRange": begin, "pricePerUnit": {"USD": usd},
        }
        for i, (begin, end, usd, unit) in enumerate(dims)
    }
    return json.dumps({
        "product": {"productFamily": "Serverless" if service == "AWSLambda" else "Compute Instance",
                    "attributes": {"servicecode": service, "location": LOCATION, "locationType": "AWS Region",
                                   "regionCode": "us-east-1", **attributes}, "sku": sku},
        "serviceCode": service,
        "terms": {"OnDemand": {f"{sku}.{OFFER}": {"priceDimensions": dimensions, "sku": sku,
                                                  "effectiveDate": "2026-11-01T00:00:00Z", "offerTermCode": OFFER,
                                                  "termAttributes": {}}}},
        "version": "20261101000000", "publicationDate": "2026-11-01T00:00:00Z",
    })


def _lambda(group: str, usagetype: str, *dims: tuple[str, str, str, str]) -> str:
    return _product("AWSLambda", group.replace("-", "")[:16].upper(), {"group": group, "usagetype": usagetype}, list(dims))


def _gbs(usd: str, begin: str = "0", end: str = "Inf") -> tuple[str, str, str, str]:
    return (begin, end, usd, "Lambda-GB-Second")


LAMBDA_PAGE_1 = [
    _lambda("AWS-Lambda-Requests", "Request", ("0", "Inf", "0.0000002000", "Requests")),
    _lambda("AWS-Lambda-Duration", "Lambda-GB-Second",
            _gbs("0.0000166667", "0", "6000000000"), _gbs("0.0000150000", "6000000000", "15000000000"),
            _gbs("0.0000133334", "15000000000")),
    _lambda("AWS-Lambda-Duration-ARM", "Lambda-GB-Second-ARM",
            _gbs("0.0000133334", "0", "7500000000"), _gbs("0.0000120001", "7500000000", "18750000000"),
            _gbs("0.0000106667", "18750000000")),
    _lambda("AWS-Lambda-Edge-Duration", "Lambda-Edge-GB-Second", _gbs("0.0000500100")),
]
LAMBDA_PAGE_2 = [
    # A price cut on provisioned concurrency, so the refresh has a change to show.
    _lambda("AWS-Lambda-Provisioned-Concurrency", "Lambda-Provisioned-Concurrency", _gbs("0.0000040000")),
    _lambda("AWS-Lambda-Provisioned-Concurrency-ARM", "Lambda-Provisioned-Concurrency-ARM", _gbs("0.0000033334")),
    _lambda("AWS-Lambda-Duration-Provisioned", "Lambda-Provisioned-GB-Second", _gbs("0.0000097222")),
    _lambda("AWS-Lambda-Duration-Provisioned-ARM", "Lambda-Provisioned-GB-Second-ARM", _gbs("0.0000077778")),
    _lambda("AWS-Lambda-Storage-Duration", "Lambda-Storage-GB-Second", ("0", "Inf", "0.0000000309", "GB-Seconds")),
]
EC2_PRICES = {"g4dn.xlarge": "0.5260000000", "g5.xlarge": "0.9800000000"}  # the others: no product


def _ec2(instance_type: str, usd: str) -> str:
    attributes = {"instanceType": instance_type, "operatingSystem": "Linux", "tenancy": "Shared",
                  "preInstalledSw": "NA", "capacitystatus": "Used", "vcpu": "4", "memory": "16 GiB", "gpu": "1"}
    return _product("AmazonEC2", instance_type.replace(".", "").upper(), attributes, [("0", "Inf", usd, "Hrs")])


def _filters(**fields: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in fields.items()]


@pytest.fixture
def client() -> Any:
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def _stub_success(stubber: Stubber) -> None:
    base = {"ServiceCode": "AWSLambda", "Filters": _filters(location=LOCATION), "FormatVersion": "aws_v1", "MaxResults": 100}
    stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": LAMBDA_PAGE_1, "NextToken": "page-2"}, base)
    stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": LAMBDA_PAGE_2}, {**base, "NextToken": "page-2"})
    for instance_type in EC2_TYPES:
        prices = [_ec2(instance_type, EC2_PRICES[instance_type])] if instance_type in EC2_PRICES else []
        expected = {"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1", "MaxResults": 100, "Filters": _filters(
            instanceType=instance_type, location=LOCATION, operatingSystem="Linux", tenancy="Shared",
            preInstalledSw="NA", capacitystatus="Used")}
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": prices}, expected)


def test_refresh_writes_override_catalogs_dated_today_and_lists_what_changed(client: Any, isolated_overrides: Path, catalog: Any) -> None:
    with Stubber(client) as stubber:
        _stub_success(stubber)
        result = refresh("us-east-1", target_dir=isolated_overrides / "pricing", client=client, today=TODAY)
        stubber.assert_no_pending_responses()
    assert [p.name for p in result.files] == ["aws-lambda.yaml", "aws-ec2.yaml"]
    assert all(p.parent == isolated_overrides / "pricing" for p in result.files)
    written = yaml.safe_load(result.files[0].read_text())
    assert written["as_of"] == "2026-11-23"
    assert written["regions"]["us-east-1"]["x86_64"]["provisioned"] == {
        "value": "0.000004", "unit": "USD/GB-s", "source": "aws-price-list-api", "date": "2026-11-23"}
    changes = {(c.catalog, c.key): (c.old, c.new) for c in result.changes}
    assert changes == {
        ("aws-lambda", "x86_64.provisioned"): (Decimal("0.0000041667"), Decimal("0.000004")),
        ("aws-ec2", "g5.xlarge.hourly"): (Decimal("1.006"), Decimal("0.98")),
    }
    assert result.kept == [f"aws-ec2: {t}.hourly" for t in (
        "g4dn.12xlarge", "g4dn.2xlarge", "g5.12xlarge", "g5.2xlarge", "g6.xlarge", "g6e.xlarge", "inf2.xlarge",
        "p3.2xlarge")]
    assert result.unchanged == 12  # 11 Lambda figures + g4dn.xlarge
    # The engine now prices with the refreshed figures; instance types the API did not return keep theirs.
    assert provisioned_cost(10, 1024, 720, catalog=catalog) == Decimal("103.68")
    assert instance_cost("g5.xlarge", 10, catalog=catalog) == Decimal("9.8")
    assert instance_cost("g6.xlarge", 10, catalog=catalog) == Decimal("8.048")
    assert lambda_records_cost(300, 1024, catalog=catalog).compute_usd == Decimal("0.00000500001")


def test_figures_the_price_list_leaves_out_are_kept_from_the_bundle(client: Any, isolated_overrides: Path, catalog: Any) -> None:
    base = {"ServiceCode": "AWSLambda", "Filters": _filters(location=LOCATION), "FormatVersion": "aws_v1", "MaxResults": 100}
    partial = [p for p in LAMBDA_PAGE_1 + LAMBDA_PAGE_2 if "Storage" not in p and "Concurrency-ARM" not in p]
    with Stubber(client) as stubber:
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": partial}, base)
        for _ in EC2_TYPES:
            stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": []}, ANY_PARAMS)
        result = refresh("us-east-1", target_dir=isolated_overrides / "pricing", client=client, today=TODAY)
    assert result.kept[:2] == ["aws-lambda: arm64.provisioned", "aws-lambda: ephemeral_storage"]
    assert len(result.kept) == 2 + len(EC2_TYPES) and result.changes[0].key == "x86_64.provisioned"
    written = yaml.safe_load(result.files[0].read_text())
    assert written["regions"]["us-east-1"]["ephemeral_storage"]["source"] == "aws-calculator"
    assert "aws-calculator" in written["sources"] and "price-list-capture" in written["sources"]
    assert provisioned_cost(1, 1024, 1, arch="arm64", catalog=catalog) == Decimal("0.01200024")  # 3600 GB-s x 0.0000033334


def test_refresh_keeps_other_regions_of_an_existing_override(client: Any, isolated_overrides: Path) -> None:
    with Stubber(client) as stubber:
        _stub_success(stubber)
        refresh("us-east-1", target_dir=isolated_overrides / "pricing", client=client, today=TODAY)
    document = yaml.safe_load((isolated_overrides / "pricing" / "aws-lambda.yaml").read_text())
    document["regions"]["eu-west-1"] = document["regions"]["us-east-1"]
    (isolated_overrides / "pricing" / "aws-lambda.yaml").write_text(yaml.safe_dump(document))
    with Stubber(client) as stubber:
        _stub_success(stubber)
        refresh("us-east-1", target_dir=isolated_overrides / "pricing", client=client, today=TODAY)
    document = yaml.safe_load((isolated_overrides / "pricing" / "aws-lambda.yaml").read_text())
    assert set(document["regions"]) == {"us-east-1", "eu-west-1"}


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 400), ("InternalErrorException", 500)])
def test_a_throttled_or_failed_refresh_keeps_the_bundled_catalog_and_says_so(
    client: Any, isolated_overrides: Path, code: str, status: int, catalog: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": LAMBDA_PAGE_1, "NextToken": "p2"}, ANY_PARAMS)
        stubber.add_client_error("get_products", service_error_code=code, service_message="Rate exceeded",
                                 http_status_code=status)
        with pytest.raises(RemoteError, match=rf"price refresh for us-east-1 failed \({code}: Rate exceeded\); "
                                              "the bundled catalog stays in use"):
            refresh("us-east-1", target_dir=isolated_overrides / "pricing", client=client, today=TODAY)
    assert not (isolated_overrides / "pricing").exists()
    assert provisioned_cost(10, 1024, 720, catalog=catalog) == Decimal("108.000864")


def test_a_refresh_missing_lambda_duration_writes_nothing(client: Any, isolated_overrides: Path, catalog: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": LAMBDA_PAGE_1[:1]}, ANY_PARAMS)
        with pytest.raises(RemoteError, match="no Lambda x86_64.duration_tiers, arm64.duration_tiers"):
            refresh("us-east-1", target_dir=isolated_overrides / "pricing", client=client, today=TODAY)
    assert not (isolated_overrides / "pricing").exists()
    assert lambda_month_cost(1, 0, catalog=catalog).compute_usd == Decimal("0.0000166667")


def test_cli_refresh_shows_the_changes(cli, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(refresh_module, "_client", lambda: client)
    with Stubber(client) as stubber:
        _stub_success(stubber)
        result = cli("pricing", "refresh", "--region", "us-east-1", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["changes"][0] == {"catalog": "aws-lambda", "key": "x86_64.provisioned",
                                      "old": "0.0000041667", "new": "0.000004"}
    assert document["as_of"] == dt.datetime.now(dt.timezone.utc).date().isoformat()


def test_cli_refresh_failure_is_one_line_and_exit_5(cli, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(refresh_module, "_client", lambda: client)
    with Stubber(client) as stubber:
        stubber.add_client_error("get_products", service_error_code="ThrottlingException", service_message="Rate exceeded")
        result = cli("pricing", "refresh")
    assert result.exit_code == 5
    assert " ".join(result.stderr.split()).startswith("error: price refresh for us-east-1 failed (ThrottlingException: Rate exceeded); "
                                    "the bundled catalog stays in use.")


ANY_PARAMS = {"ServiceCode": ANY, "Filters": ANY, "FormatVersion": ANY, "MaxResults": ANY}


def test_show_lists_refreshed_figures_from_the_override_and_the_rest_from_the_bundle(
    client: Any, isolated_overrides: Path, catalog: Any
) -> None:
    from advisor.pricing.listing import describe

    with Stubber(client) as stubber:
        _stub_success(stubber)
        refresh("us-east-1", target_dir=isolated_overrides / "pricing", client=client, today=TODAY)
    (ec2,) = describe(catalog, "aws-ec2")
    origin = {row.key: row.file.name for row in ec2.rows}
    sources = {row.key: row.figure.source.key for row in ec2.rows}
    assert len(ec2.rows) == 10 and ec2.files[-1].override
    assert sources["regions.us-east-1.g5.xlarge.hourly"] == "aws-price-list-api"
    assert sources["regions.us-east-1.g6.xlarge.hourly"] == "price-api-capture"
    assert origin["regions.us-east-1.g5.xlarge.hourly"] == origin["regions.us-east-1.g6.xlarge.hourly"] == "aws-ec2.yaml"
    (lam,) = describe(catalog, "lambda", "us-east-1")
    lambda_sources = {row.key: row.figure.source.key for row in lam.rows}
    assert lambda_sources["regions.us-east-1.x86_64.provisioned"] == "aws-price-list-api"
    assert lambda_sources["settings.free_tier_requests"] == "aws-lambda-page"
