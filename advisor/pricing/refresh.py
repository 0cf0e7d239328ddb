"""Fetch current AWS prices from the Price List API and write them as a user override catalog.

Lambda products (ServiceCode ``AWSLambda``) are told apart by their ``group``
attribute; EC2 products (``AmazonEC2``) are filtered to Linux, shared tenancy,
no pre-installed software, used capacity. Everything is fetched before anything
is written, and a failure (throttling, no credentials, no network) raises
:class:`~advisor.errors.RemoteError` and leaves the bundled catalog in use.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import yaml

from advisor import aws
from advisor.errors import RemoteError, UsageError
from advisor.platform.aws_lambda import ARCHITECTURES, DEFAULT_REGION
from advisor.pricing import _catalog, instances, lambda_
from advisor.pricing._catalog import Family
from advisor.pricing.money import mul, plain_text, to_decimal
from advisor.units import REQUESTS_PER_MILLION

#: The Price List API answers in us-east-1 (and a few others); prices cover every region.
PRICING_ENDPOINT_REGION: Final = "us-east-1"
SOURCE_KEY: Final = "aws-price-list-api"
PAGE_SIZE: Final = 100
#: Region code -> the Price List ``location`` attribute.
LOCATIONS: Final = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "sa-east-1": "South America (Sao Paulo)",
    "ca-central-1": "Canada (Central)",
    "af-south-1": "Africa (Cape Town)",
    "me-south-1": "Middle East (Bahrain)",
}
#: Lambda ``group`` attribute -> (architecture or None for both, catalog key).
LAMBDA_GROUPS: Final = {
    "AWS-Lambda-Requests": (None, "requests"),
    "AWS-Lambda-Duration": ("x86_64", "duration_tiers"),
    "AWS-Lambda-Duration-ARM": ("arm64", "duration_tiers"),
    "AWS-Lambda-Provisioned-Concurrency": ("x86_64", "provisioned"),
    "AWS-Lambda-Provisioned-Concurrency-ARM": ("arm64", "provisioned"),
    "AWS-Lambda-Duration-Provisioned": ("x86_64", "provisioned_duration"),
    "AWS-Lambda-Duration-Provisioned-ARM": ("arm64", "provisioned_duration"),
    "AWS-Lambda-Storage-Duration": (None, "ephemeral_storage"),
}
EC2_FILTERS: Final = {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used"}


@dataclass(frozen=True)
class Change:
    """One figure that differs between the bundled catalog and the refreshed one."""

    catalog: str
    key: str
    old: Decimal | None
    new: Decimal | None


@dataclass
class RefreshResult:
    """What a refresh wrote and what changed."""

    region: str
    as_of: dt.date
    files: list[Path] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    #: Bundled figures the Price List did not return, still in use (``catalog: key``).
    kept: list[str] = field(default_factory=list)


def refresh(
    region: str,
    *,
    target_dir: Path,
    client: Any = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshResult:
    """Fetch Lambda and EC2 prices for ``region`` and write override catalogs dated today.

    Args:
        region: AWS region to refresh.
        client: A boto3 ``pricing`` client (made in us-east-1 when omitted).
        target_dir: Directory for the override catalogs (the workspace's ``pricing/``:
            :attr:`PriceCatalog.override_dir`).
        today: The date written into the catalogs.
        progress: Called with a short line before each request (for a spinner).

    Raises:
        RemoteError: The Price List API failed or was throttled; nothing was written.
    """
    location = LOCATIONS.get(region)
    if location is None:
        raise UsageError(f"unknown region '{region}' for the Price List API.", hint=f"Known: {', '.join(LOCATIONS)}.")
    today = today or dt.datetime.now(dt.UTC).date()
    client = client or _client()
    say = progress or (lambda _: None)
    try:
        say(f"fetching AWSLambda prices for {location}")
        lambda_entry = _lambda_entry(client, location, today)
        ec2_entry = _ec2_entry(client, location, region, today, say)
    except RemoteError:
        raise
    except Exception as exc:  # botocore ClientError/BotoCoreError and friends
        raise RemoteError(
            f"price refresh for {region} failed ({_describe(exc)}); the bundled catalog stays in use.",
            hint="Check AWS credentials and network, then retry later.",
        ) from None
    directory = target_dir
    result = RefreshResult(region=region, as_of=today)
    kept_sources = _keep_bundled_lambda(lambda_entry, region)
    for family, entry in ((lambda_.FAMILY, lambda_entry), (instances.EC2, ec2_entry)):
        path = directory / family.filename
        _write_override(path, family, region, entry, today, kept_sources if family is lambda_.FAMILY else {})
        result.files.append(path)
        _diff(result, family, region, path)
    return result


def _client() -> Any:
    (client,) = aws.clients(("pricing",), region=PRICING_ENDPOINT_REGION)
    return client


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"{response['Error'].get('Code', 'error')}: {response['Error'].get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def products(client: Any, service: str, filters: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """Every product of ``service`` matching ``filters``, decoded from the Price List's JSON strings."""
    request: dict[str, Any] = {
        "ServiceCode": service,
        "Filters": [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()],
        "FormatVersion": "aws_v1",
        "MaxResults": PAGE_SIZE,
    }
    while True:
        page = client.get_products(**request)
        for text in page.get("PriceList", []):
            yield json.loads(text) if isinstance(text, str) else text
        token = page.get("NextToken")
        if not token:
            return
        request["NextToken"] = token


def _dimensions(product: Mapping[str, Any]) -> list[dict[str, Any]]:
    """On-demand price dimensions of a product, ordered by beginRange."""
    found: list[dict[str, Any]] = []
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        found.extend(term.get("priceDimensions", {}).values())
    return sorted(found, key=lambda d: Decimal(str(d.get("beginRange", "0"))))


def _usd(dimension: Mapping[str, Any]) -> Decimal:
    return to_decimal(dimension["pricePerUnit"]["USD"], what="pricePerUnit")


def _figure(value: Decimal, unit: str, today: dt.date) -> dict[str, Any]:
    return {"value": plain_text(value), "unit": unit, "source": SOURCE_KEY, "date": today.isoformat()}


def _lambda_entry(client: Any, location: str, today: dt.date) -> dict[str, Any]:
    entry: dict[str, Any] = {arch: {} for arch in ARCHITECTURES}
    for product in products(client, "AWSLambda", {"location": location}):
        group = product.get("product", {}).get("attributes", {}).get("group")
        if group not in LAMBDA_GROUPS:
            continue
        arch, key = LAMBDA_GROUPS[group]
        dims = [d for d in _dimensions(product) if "USD" in d.get("pricePerUnit", {})]
        if not dims:
            continue
        target = entry if arch is None else entry[arch]
        if key in target:
            continue  # the first product of a group wins; later ones are variants
        if key == "duration_tiers":
            target[key] = [
                {"up_to_gb_s": _end(d), "price": _figure(_usd(d), "USD/GB-s", today)} for d in dims
            ]
        elif key == "requests":
            target[key] = _figure(mul(_usd(dims[0]), REQUESTS_PER_MILLION), "USD/1M-requests", today)
        else:
            target[key] = _figure(_usd(dims[0]), "USD/GB-s", today)
    missing = [k for k in ("requests",) if k not in entry]
    missing += [f"{a}.duration_tiers" for a in lambda_.ARCHITECTURES if "duration_tiers" not in entry[a]]
    if missing:
        raise RemoteError(
            f"the Price List API returned no Lambda {', '.join(missing)} for {location}; "
            "the bundled catalog stays in use."
        )
    return entry


def _end(dimension: Mapping[str, Any]) -> int | None:
    end = str(dimension.get("endRange", "Inf"))
    return None if end in ("Inf", "", "None") else int(Decimal(end))


def _ec2_entry(
    client: Any, location: str, region: str, today: dt.date, say: Callable[[str], None]
) -> dict[str, Any]:
    bundled = _catalog.load_file(instances.EC2, _catalog.bundled_dir() / instances.EC2.filename)
    known = bundled.entries.get(region) or bundled.entries.get(DEFAULT_REGION, {})
    entry: dict[str, Any] = {}
    for name, spec in known.items():
        say(f"fetching AmazonEC2 {name} in {location}")
        filters = {"instanceType": name, "location": location, **EC2_FILTERS}
        for product in products(client, "AmazonEC2", filters):
            attributes = product.get("product", {}).get("attributes", {})
            hourly = [d for d in _dimensions(product) if d.get("unit") == "Hrs" and _usd(d) > 0]
            if not hourly:
                continue
            entry[name] = {
                "gpu": spec.gpu,
                "gpus": int(attributes.get("gpu", spec.gpus) or spec.gpus),
                "gpu_memory_gib": spec.gpu_memory_gib,
                "vcpus": int(attributes.get("vcpu", spec.vcpus)),
                "memory_gib": str(attributes.get("memory", spec.memory_gib)).split()[0].replace(",", ""),
                "hourly": _figure(_usd(hourly[0]), "USD/hour", today),
            }
            break
    return entry


def _keep_bundled_lambda(entry: dict[str, Any], region: str) -> dict[str, Any]:
    """Copy into ``entry`` the bundled figures the Price List did not return; their sources.

    An override region replaces the bundled one whole, so a figure the API left out (SnapStart
    regions, a missing provisioned rate) would otherwise vanish.
    """
    bundled = _catalog.read_file(_catalog.bundled_dir() / lambda_.FAMILY.filename, family="aws-lambda", override=False)
    old = bundled.root["regions"].get(region)
    if old is None:
        return {}
    copied: list[dict[str, Any]] = []
    for key in ("requests", "ephemeral_storage"):
        if key not in entry and key in old:
            entry[key] = old[key]
            copied.append(old[key])
    for arch in ARCHITECTURES:
        for key in ("provisioned", "provisioned_duration"):
            if key not in entry[arch] and key in old.get(arch, {}):
                entry[arch][key] = old[arch][key]
                copied.append(old[arch][key])
    return {f["source"]: bundled.root["sources"][f["source"]] for f in copied}


def _write_override(
    path: Path, family: Family[Any], region: str, entry: dict[str, Any], today: dt.date, sources: dict[str, Any]
) -> None:
    """Merge ``entry`` for ``region`` into the override file at ``path`` and write it atomically."""
    document: dict[str, Any] = {}
    if path.is_file():
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
    document.update({"family": family.name, "currency": "USD", "as_of": today.isoformat()})
    document.setdefault("sources", {}).update(sources)
    document["sources"][SOURCE_KEY] = {
        "title": "AWS Price List API (boto3 pricing.get_products), fetched by advisor pricing refresh",
        "url": "https://pricing.us-east-1.amazonaws.com",
        "date": today.isoformat(),
    }
    document.setdefault(family.collection, {})[region] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# User override catalog written by `advisor pricing refresh` on {today.isoformat()}.\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(header)
            yaml.safe_dump(document, handle, sort_keys=False, default_flow_style=False)
        _catalog.load_file(family, Path(tmp), override=True)  # never leave an override that does not load
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _diff(result: RefreshResult, family: Family[Any], region: str, path: Path) -> None:
    bundled_file = _catalog.read_file(_catalog.bundled_dir() / family.filename, family=family.name, override=False)
    new_file = _catalog.read_file(path, family=family.name, override=True)
    prefix = f"{family.collection}.{region}"
    old = {k: f.value for k, f in _catalog.figures(bundled_file) if k.startswith(prefix + ".")}
    new = {k: f.value for k, f in _catalog.figures(new_file) if k.startswith(prefix + ".")}
    new_sources = {k: f.source.key for k, f in _catalog.figures(new_file) if k.startswith(prefix + ".")}
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        short = key.removeprefix(prefix + ".")
        if after is None or new_sources[key] != SOURCE_KEY:
            result.kept.append(f"{family.name}: {short}")
        elif before == after:
            result.unchanged += 1
        else:
            result.changes.append(Change(family.name, short, before, after))
