"""The function's code: GetFunction's Code.Location, UpdateFunctionCode (ZipFile, Architectures) with
Lambda's rules and error shapes, and GetLayerVersion, through a real boto3 client."""

from __future__ import annotations

import io
import platform
import zipfile
from urllib.request import urlopen

import pytest

from advisor.platform.aws_lambda import ARCHITECTURES, architecture_of, code_sha256

from .conftest import api_error

NATIVE = architecture_of(platform.machine())
OTHER = next(a for a in ARCHITECTURES if a != NATIVE)
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:numpy:2"


def package(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", text)
    return buffer.getvalue()


def test_the_code_location_downloads_a_zip_of_the_handlers_source_with_its_code_sha256(serve) -> None:
    served = serve("environment")
    found = served.client.get_function(FunctionName=served.name)
    assert found["Code"]["RepositoryType"] == "S3"
    data = urlopen(found["Code"]["Location"]).read()
    assert code_sha256(data) == found["Configuration"]["CodeSha256"]
    assert found["Configuration"]["CodeSize"] == len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["handlers.py"] and b"def environment" in archive.read("handlers.py")


def test_update_function_code_changes_code_and_architecture_as_an_update_and_versions_freeze_them(serve) -> None:
    served = serve("environment", update_delay_s=0.5)
    lam = served.client
    first = served.publish()
    before = lam.get_function_configuration(FunctionName=served.name)
    new = package("def environment(event, context):\n    return 1\n")
    updated = lam.update_function_code(FunctionName=served.name, ZipFile=new, Architectures=[OTHER],
                                       RevisionId=before["RevisionId"])
    assert (updated["CodeSha256"], updated["CodeSize"], updated["Architectures"]) == (code_sha256(new), len(new),
                                                                                      [OTHER])
    assert updated["LastUpdateStatus"] == "InProgress" and updated["RevisionId"] != before["RevisionId"]
    busy = api_error(lam.update_function_code, FunctionName=served.name, ZipFile=new)
    assert busy["Code"] == "ResourceConflictException"
    lam.get_waiter("function_updated_v2").wait(FunctionName=served.name, WaiterConfig={"Delay": 1})
    second = served.publish()
    assert lam.get_function_configuration(FunctionName=served.name, Qualifier=first)["Architectures"] == [NATIVE]
    frozen = lam.get_function_configuration(FunctionName=served.name, Qualifier=second)
    assert (frozen["Architectures"], frozen["CodeSha256"]) == ([OTHER], code_sha256(new))
    assert code_sha256(urlopen(lam.get_function(FunctionName=served.name)["Code"]["Location"]).read()) == \
        code_sha256(new)


@pytest.mark.parametrize(("request_", "code", "message"), [
    ({"ZipFile": b"not a zip"}, "InvalidParameterValueException", "Could not unzip uploaded file."),
    ({"ZipFile": b"", "Architectures": ["x86_64"]}, "InvalidParameterValueException",
     "Please provide a source for function code"),
    ({"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest"}, "InvalidParameterValueException",
     "Please don't provide ImageUri when updating a function with packageType Zip."),
    ({"ZipFile": package(""), "Architectures": ["sparc"]}, "ValidationException",
     "Value '[sparc]' at 'architectures' failed to satisfy constraint"),
    ({"ZipFile": package(""), "Architectures": ["x86_64", "arm64"]}, "ValidationException",
     "Member must have length less than or equal to 1"),
    ({"ZipFile": package(""), "RevisionId": "stale"}, "PreconditionFailedException", "The Revision Id provided"),
    ({"S3Bucket": "models", "S3Key": "fn.zip"}, "InvalidParameterValueException", "does not emulate S3Bucket, S3Key"),
], ids=["not-a-zip", "no-code", "image", "unknown-architecture", "two-architectures", "stale-revision", "s3"])
def test_update_function_code_is_refused_as_lambda_refuses_it(serve, request_, code, message) -> None:
    served = serve("environment")
    before = served.client.get_function_configuration(FunctionName=served.name)
    found = api_error(served.client.update_function_code, FunctionName=served.name, **request_)
    assert found["Code"] == code and message in found["Message"]
    after = served.client.get_function_configuration(FunctionName=served.name)
    assert (after["CodeSha256"], after["Architectures"]) == (before["CodeSha256"], before["Architectures"])


def test_layers_are_listed_and_get_layer_version_gives_their_architectures(serve) -> None:
    served = serve("environment", layers={LAYER: ["arm64"]})
    assert served.client.get_function_configuration(FunctionName=served.name)["Layers"] == [
        {"Arn": LAYER, "CodeSize": 0}]
    found = served.client.get_layer_version(LayerName=LAYER.rsplit(":", 1)[0], VersionNumber=2)
    assert (found["LayerVersionArn"], found["CompatibleArchitectures"]) == (LAYER, ["arm64"])
    assert api_error(served.client.get_layer_version, LayerName="numpy", VersionNumber=3)["Code"] == \
        "ResourceNotFoundException"
