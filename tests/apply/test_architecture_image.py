"""``advisor apply`` switching a container-image function's architecture, against a real moto server.

moto 5.2.6 holds image functions (``PackageType: Image``) and, with ``MOTO_LAMBDA_STUB_ECR=false``,
resolves their ``ImageUri`` (by tag or by digest) in its own ECR: CodeSha256 is the image's digest,
as on Lambda. What it cannot represent (see docs/apply.md, "Tested how"): it has no provisioned
concurrency routes (``moto/awslambda/urls.py`` has no ``provisioned-concurrency`` path, so
``advisor apply``'s read of the function, :func:`advisor.apply.state.read_state`, gets a 404), and
its ``UpdateFunctionCode`` ignores ``Architectures`` (``LambdaFunction.update_function_code`` in
``moto/awslambda/models.py`` calls ``_set_function_code``, which reads only the code). So the
switch is tested step by step here: the decision (:func:`advisor.apply.code.switch_of`) on moto's
real ``GetFunction``, the upload it makes, and the restore (:func:`advisor.apply.restore.restore`)
of the journaled original image by digest. The whole ``advisor apply`` and ``advisor restore`` of an
image function run end to end against ``advisor local serve`` in ``test_architecture_image_live.py``;
these stay as a second, independent implementation of Lambda's and ECR's shapes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest

from advisor.apply.code import CodeSource, switch_of
from advisor.apply.desired import from_options
from advisor.apply.engine import nothing_created
from advisor.apply.plan import plan_of
from advisor.apply.restore import restore
from advisor.apply.state import Clients
from advisor.errors import TargetError, UsageError

from .conftest import FUNCTION, REGION

REPOSITORY = "captioner"


def _manifest(layer: str) -> str:
    """An image manifest whose digest moto derives from its one layer's (a different layer, another image)."""
    digest = "sha256:" + hashlib.sha256(layer.encode()).hexdigest()
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                                  "digest": digest},
                       "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 100,
                                   "digest": digest}]})


class Images:
    """An image function in moto (x86_64, tag ``x86``) and an arm64 image pushed beside it (tag ``arm``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.lam = boto3.client("lambda", region_name=REGION, endpoint_url=url)
        ecr = boto3.client("ecr", region_name=REGION, endpoint_url=url)
        iam = boto3.client("iam", region_name=REGION, endpoint_url=url)
        role = iam.create_role(RoleName="captioner", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self.repository = ecr.create_repository(repositoryName=REPOSITORY)["repository"]["repositoryUri"]
        self.digest = {tag: ecr.put_image(repositoryName=REPOSITORY, imageManifest=_manifest(tag), imageTag=tag)
                       ["image"]["imageId"]["imageDigest"] for tag in ("x86", "arm")}
        self.lam.create_function(FunctionName=FUNCTION, Role=role, PackageType="Image", MemorySize=1024,
                                 Code={"ImageUri": self.uri("x86")}, Architectures=["x86_64"])

    def uri(self, tag: str) -> str:
        return f"{self.repository}:{tag}"

    def function(self) -> dict[str, Any]:
        """What a caller sees: the image (as given and resolved), its CodeSha256 and architecture."""
        found = self.lam.get_function(FunctionName=FUNCTION)
        conf = found["Configuration"]
        return {"image": found["Code"]["ImageUri"], "code": conf["CodeSha256"],
                "architecture": conf["Architectures"], "memory_mb": conf["MemorySize"]}

    def state(self) -> dict[str, Any]:
        """The part of apply's snapshot the switch and the plan read, from moto's configuration."""
        conf = self.lam.get_function_configuration(FunctionName=FUNCTION)
        return {"function": FUNCTION, "run_id": "0a1b2c3d", "alias": None, "aliases": [],
                "memory_mb": conf["MemorySize"], "architecture": conf["Architectures"][0],
                "package_type": conf["PackageType"], "code_sha256": conf["CodeSha256"],
                "layers": [layer["Arn"] for layer in conf.get("Layers") or []], "code": None}


@pytest.fixture
def images(moto_url: str, fake_aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Images:
    urlopen(Request(f"{moto_url}/moto-api/reset", method="POST")).read()
    monkeypatch.setenv("MOTO_LAMBDA_STUB_ECR", "false")  # the server thread reads it per request
    return Images(moto_url)


def test_the_switch_uploads_the_image_given_and_journals_the_original_image_by_digest(images):
    switch = switch_of(images.lam, images.state(), "arm64", CodeSource(image_uri=images.uri("arm")))
    assert switch is not None
    assert switch.upload() == {"ImageUri": images.uri("arm"), "Architectures": ["arm64"]}
    original = f"{images.repository}@{images.digest['x86']}"
    assert switch.journal(None) == {"architecture": "x86_64", "code_sha256": images.digest["x86"].removeprefix(
        "sha256:"), "package_type": "Image", "zip": None, "image_uri": original}
    updated = images.lam.update_function_code(FunctionName=FUNCTION, **switch.upload())
    assert updated["CodeSha256"] == images.digest["arm"].removeprefix("sha256:")
    assert images.function()["image"] == images.uri("arm")


def test_restore_puts_back_the_original_image_by_digest(images):
    before = images.function()
    state = images.state()
    switch = switch_of(images.lam, state, "arm64", CodeSource(image_uri=images.uri("arm")))
    assert switch is not None
    updated = images.lam.update_function_code(FunctionName=FUNCTION, **switch.upload())
    assert images.function()["code"] != before["code"]
    # What Lambda reported after the update (moto keeps the architecture: see the module's docstring).
    created = {**nothing_created(), "code_changed": True, "code_sha256": updated["CodeSha256"],
               "architecture": updated["Architectures"][0]}
    clients = Clients(images.lam, boto3.client("application-autoscaling", region_name=REGION,
                                               endpoint_url=images.url))
    lines = restore(clients, {**state, "code": switch.journal(None)}, created)
    assert lines == [f"put back $LATEST's original code (CodeSha256 {before['code']}) on x86_64 (was x86_64)"]
    assert images.function() == {**before, "image": f"{images.repository}@{images.digest['x86']}"}


def test_an_image_function_without_image_uri_is_refused_naming_the_option_and_nothing_changes(images):
    before = images.function()
    with pytest.raises(TargetError, match="captioner is a container image: running it on arm64 needs an image "
                                          "built for arm64") as refused:
        switch_of(images.lam, images.state(), "arm64", CodeSource())
    assert "pass --image-uri URI" in (refused.value.hint or "")
    assert images.function() == before


def test_code_given_for_an_image_function_is_refused_as_the_wrong_option_and_nothing_changes(images, tmp_path):
    before = images.function()
    built = tmp_path / "arm64.zip"
    built.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: never read, the option is refused first
    with pytest.raises(UsageError, match="--code is for a zip package, and captioner is a container image") as refused:
        switch_of(images.lam, images.state(), "arm64", CodeSource(zip_path=built))
    assert "--image-uri URI" in (refused.value.hint or "")
    assert images.function() == before


def test_the_plan_shows_the_image_switch_and_changes_nothing(images):
    before = images.function()
    state = images.state()
    switch = switch_of(images.lam, state, "arm64", CodeSource(image_uri=images.uri("arm")))
    plan = plan_of(state, from_options(architecture="arm64"), switch).to_dict()
    assert plan["changes"] == [{"setting": "architecture ($LATEST)", "before": "x86_64",
                                "after": f"arm64: image {images.uri('arm')} (it must be built for arm64)"}]
    assert (plan["architecture"], plan["publish"]) == ("arm64", False)
    assert images.function() == before
