"""Container-image functions: GetFunction's ECR code, UpdateFunctionCode with an ImageUri (by tag or digest)
and Architectures with Lambda's rules and error shapes, through a real boto3 client; the handler still runs."""

from __future__ import annotations

import hashlib
import json
import platform
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from advisor.errors import UsageError
from advisor.platform.aws_lambda import ARCHITECTURES, architecture_of
from advisor.targets.lambda_api import Emulator
from advisor.targets.lambda_api.images import parse_images

from .conftest import api_error, handler

NATIVE = architecture_of(platform.machine())
OTHER = next(a for a in ARCHITECTURES if a != NATIVE)
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/captioner"
DIGEST = {tag: "sha256:" + hashlib.sha256(tag.encode()).hexdigest() for tag in ("x86", "arm", "orphan")}
IMAGES = {f"{REPO}:x86": DIGEST["x86"], f"{REPO}:arm": DIGEST["arm"]}


def serve_image(serve, **options):  # type: ignore[no-untyped-def]
    """An image function (``REPO:x86``) that knows ``REPO:arm`` too."""
    return serve("environment", images=IMAGES, image_uri=f"{REPO}:x86", **options)


def code_of(served, qualifier: str | None = None) -> tuple:  # type: ignore[no-untyped-def]
    """What a caller sees of the code: the image as named and resolved, CodeSha256 and architecture."""
    found = served.client.get_function(FunctionName=served.name, **({"Qualifier": qualifier} if qualifier else {}))
    conf = found["Configuration"]
    return found["Code"]["ImageUri"], found["Code"]["ResolvedImageUri"], conf["CodeSha256"], conf["Architectures"]


def test_an_image_function_shows_its_image_resolved_by_digest_and_no_package_and_its_handler_runs(serve) -> None:
    served = serve_image(serve)
    found = served.client.get_function(FunctionName=served.name)
    conf = found["Configuration"]
    assert found["Code"] == {"RepositoryType": "ECR", "ImageUri": f"{REPO}:x86",
                             "ResolvedImageUri": f"{REPO}@{DIGEST['x86']}"}
    assert (conf["PackageType"], conf["CodeSha256"], conf["CodeSize"]) == ("Image", DIGEST["x86"][7:], 0)
    assert "Runtime" not in conf and "Handler" not in conf  # the image holds them, as on Lambda
    assert conf["Architectures"] == [NATIVE]
    answer = served.client.invoke(FunctionName=served.name, Payload=b"{}")
    assert json.loads(answer["Payload"].read())["function_name"] == served.name  # the server's handler runs
    with pytest.raises(HTTPError) as missing:  # no package to download for an image
        urlopen(f"{served.server.endpoint_url}/_advisor/code/{DIGEST['x86'][7:]}")
    assert missing.value.code == 404


@pytest.mark.parametrize("named", [f"{REPO}:arm", f"{REPO}@{DIGEST['arm']}"], ids=["tag", "digest"])
def test_update_function_code_switches_image_and_architecture_as_an_update_and_versions_freeze_them(
        serve, named) -> None:
    served = serve_image(serve, update_delay_s=0.5)
    lam = served.client
    first = served.publish()
    before = lam.get_function_configuration(FunctionName=served.name)
    updated = lam.update_function_code(FunctionName=served.name, ImageUri=named, Architectures=[OTHER],
                                       RevisionId=before["RevisionId"])
    assert (updated["CodeSha256"], updated["Architectures"], updated["PackageType"]) == (DIGEST["arm"][7:], [OTHER],
                                                                                         "Image")
    assert updated["LastUpdateStatus"] == "InProgress" and updated["RevisionId"] != before["RevisionId"]
    assert api_error(lam.update_function_code, FunctionName=served.name,
                 ImageUri=named)["Code"] == "ResourceConflictException"
    lam.get_waiter("function_updated_v2").wait(FunctionName=served.name, WaiterConfig={"Delay": 1})
    second = served.publish()
    assert code_of(served, first) == (f"{REPO}:x86", f"{REPO}@{DIGEST['x86']}", DIGEST["x86"][7:], [NATIVE])
    assert code_of(served, second) == code_of(served) == (named, f"{REPO}@{DIGEST['arm']}", DIGEST["arm"][7:],
                                                          [OTHER])
    assert json.loads(lam.invoke(FunctionName=served.name, Qualifier=second, Payload=b"{}")["Payload"].read())[
        "version"] == second


@pytest.mark.parametrize(("request_", "code", "message"), [
    ({"ImageUri": f"{REPO}:missing"}, "InvalidParameterValueException",
     f"Source image {REPO}:missing does not exist. Provide a valid source image."),
    ({"ImageUri": f"{REPO}@{DIGEST['orphan']}"}, "InvalidParameterValueException",
     f"Source image {REPO}@{DIGEST['orphan']} does not exist."),
    ({"ImageUri": f"{REPO}-other@{DIGEST['arm']}"}, "InvalidParameterValueException", "does not exist."),
    ({"ZipFile": b"PK\x05\x06" + bytes(18)}, "InvalidParameterValueException",
     "Please provide ImageUri when updating a function with packageType Image."),
    ({"Architectures": [OTHER]}, "InvalidParameterValueException", "Please provide ImageUri"),
    ({"ImageUri": f"{REPO}:arm", "Architectures": ["sparc"]}, "ValidationException",
     "Value '[sparc]' at 'architectures' failed to satisfy constraint"),
    ({"ImageUri": f"{REPO}:arm", "RevisionId": "stale"}, "PreconditionFailedException", "The Revision Id provided"),
], ids=["unknown-tag", "unknown-digest", "other-repository", "zip", "no-image", "unknown-architecture",
        "stale-revision"])
def test_update_function_code_of_an_image_function_is_refused_as_lambda_refuses_it(serve, request_, code,
                                                                                   message) -> None:
    served = serve_image(serve)
    before = code_of(served)
    found = api_error(served.client.update_function_code, FunctionName=served.name, **request_)
    assert found["Code"] == code and message in found["Message"]
    assert code_of(served) == before


def test_a_zip_function_still_refuses_an_image_uri_it_knows(serve) -> None:
    served = serve("environment", images=IMAGES)
    found = api_error(served.client.update_function_code, FunctionName=served.name, ImageUri=f"{REPO}:arm")
    assert "Please don't provide ImageUri when updating a function with packageType Zip." in found["Message"]
    assert served.client.get_function(FunctionName=served.name)["Code"]["RepositoryType"] == "S3"


@pytest.mark.parametrize(("options", "message"), [
    ({"images": IMAGES, "image_uri": f"{REPO}:missing"}, f"Source image {REPO}:missing does not exist"),
    ({"image_uri": f"{REPO}:x86"}, "does not exist"),
    ({"images": {f"{REPO}:x86": "sha256:abc"}}, "image digest 'sha256:abc' of"),
    ({"images": {REPO: DIGEST["x86"]}}, f"image '{REPO}' is not REPOSITORY:TAG"),
], ids=["unknown-image", "no-images", "short-digest", "no-tag"])
def test_bad_image_options_are_usage_errors(options, message) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        Emulator(handler("environment"), isolation="none", **options)


def test_image_items_are_uri_equals_digest() -> None:
    assert parse_images([f"{REPO}:x86={DIGEST['x86']}"]) == {f"{REPO}:x86": DIGEST["x86"]}
    with pytest.raises(UsageError, match=f"--image '{REPO}:x86' is not URI=DIGEST"):
        parse_images([f"{REPO}:x86"])

