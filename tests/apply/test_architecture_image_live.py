"""``advisor apply --arch ARCH --image-uri URI`` on a container-image function, end to end through the CLI:
Lambda served by ``advisor local serve`` as an image function that knows two images (one per
architecture), Application Auto Scaling by moto. The switch, ``advisor restore`` putting back the
original image by digest, a failure after the image update, ``--dry-run`` and the refusals."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from advisor.tune.journal import journal_path

from .conftest import ALIAS, FUNCTION, NATIVE, OTHER

REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/captioner"
#: An image per architecture, tagged with it, and the digest each tag points to.
DIGEST = {arch: "sha256:" + hashlib.sha256(arch.encode()).hexdigest() for arch in (NATIVE, OTHER)}
IMAGES = {f"{REPO}:{arch}": digest for arch, digest in DIGEST.items()}
ORIGINAL, NEW = f"{REPO}:{NATIVE}", f"{REPO}:{OTHER}"


def serve_image(live, **options: Any):  # type: ignore[no-untyped-def]
    """The image function, on ``REPO:NATIVE``, published behind the alias as a deployment leaves it."""
    served = live(images=IMAGES, image_uri=ORIGINAL, **options)
    served.deploy()
    return served


def image_of(served) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What a caller sees of ``$LATEST``'s code."""
    found = served.lam().get_function(FunctionName=FUNCTION)
    conf = found["Configuration"]
    return {"image": found["Code"]["ImageUri"], "resolved": found["Code"]["ResolvedImageUri"],
            "code": conf["CodeSha256"], "architecture": conf["Architectures"], "package_type": conf["PackageType"]}


def one_error(result) -> str:  # type: ignore[no-untyped-def]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    return errors[0]


def test_apply_switches_the_image_and_architecture_and_restore_puts_the_original_image_back_by_digest(
        cli, live, tmp_path):
    served = serve_image(live)
    before, code = served.state(), image_of(served)
    done = cli("apply", FUNCTION, "--arch", OTHER, "--image-uri", NEW, "--alias", ALIAS, "--yes",
               "-w", tmp_path / "ws")
    assert done.exit_code == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert f"switched $LATEST to {OTHER} with image {NEW} (it must be built for {OTHER}) (was {NATIVE})" in said, \
        done.stdout
    assert image_of(served) == {"image": NEW, "resolved": f"{REPO}@{DIGEST[OTHER]}", "code": DIGEST[OTHER][7:],
                                "architecture": [OTHER], "package_type": "Image"}
    after = served.state()
    assert after["aliases"] == [(ALIAS, "2", "None")]  # the callers' alias on a version of the new image
    assert [(v[0], v[3]) for v in after["versions"]] == [("$LATEST", OTHER), ("1", NATIVE), ("2", OTHER)]
    restored = cli("restore", FUNCTION, "-w", tmp_path / "ws")
    assert restored.exit_code == 0, restored.stderr
    assert f"put back $LATEST's original code (CodeSha256 {code['code']}) on {NATIVE} (was {OTHER})" in \
        restored.stdout
    assert image_of(served) == {**code, "image": f"{REPO}@{DIGEST[NATIVE]}"}  # by digest: a moved tag cannot matter
    assert served.state() == before
    assert not journal_path(tmp_path / "ws", FUNCTION).exists()


def test_a_failure_after_the_image_update_puts_the_original_image_and_architecture_back(cli, live, tmp_path):
    served = serve_image(live, max_concurrency=2)  # the account's concurrency: provisioning 5 is refused
    before, code = served.state(), image_of(served)
    done = cli("apply", FUNCTION, "--arch", OTHER, "--image-uri", NEW, "--memory", "2048", "--provisioned", "5",
               "--alias", ALIAS, "--yes", "-w", tmp_path / "ws")
    assert done.exit_code != 0 and "exceed the account's concurrency limit" in one_error(done)
    restored = [line.removeprefix("restored: ") for line in done.stderr.splitlines() if line.startswith("restored: ")]
    assert restored == ["pointed alias live back at version 1", "deleted version 2, which advisor apply had published",
                        "put back $LATEST's memory 1,024 MB (was 2,048 MB)",
                        f"put back $LATEST's original code (CodeSha256 {code['code']}) on {NATIVE} (was {OTHER})"]
    assert image_of(served) == {**code, "image": f"{REPO}@{DIGEST[NATIVE]}"}
    assert served.state() == before
    assert not journal_path(tmp_path / "ws", FUNCTION).exists()


def test_an_image_lambda_does_not_have_is_its_error_and_nothing_stays_changed(cli, live, tmp_path):
    served = serve_image(live)
    before, code = served.state(), image_of(served)
    missing = f"{REPO}:{OTHER}-unpushed"
    done = cli("apply", FUNCTION, "--arch", OTHER, "--image-uri", missing, "--alias", ALIAS, "--yes",
               "-w", tmp_path / "ws")
    assert done.exit_code != 0 and f"Source image {missing} does not exist" in one_error(done)
    assert (served.state(), image_of(served)) == (before, code)
    assert not journal_path(tmp_path / "ws", FUNCTION).exists()


def test_dry_run_shows_the_image_switch_and_changes_nothing(cli, live, tmp_path):
    served = serve_image(live)
    before, code = served.state(), image_of(served)
    done = cli("apply", FUNCTION, "--arch", OTHER, "--image-uri", NEW, "--dry-run", "--json", "-w", tmp_path / "ws")
    assert done.exit_code == 0, done.stderr
    plan = json.loads(done.stdout)["plan"]
    assert plan["changes"][0] == {"setting": "architecture ($LATEST)", "before": NATIVE,
                                  "after": f"{OTHER}: image {NEW} (it must be built for {OTHER})"}
    assert (plan["architecture"], plan["code"]) == (OTHER, f"image {NEW} (it must be built for {OTHER})")
    shown = cli("apply", FUNCTION, "--arch", OTHER, "--image-uri", NEW, "--alias", ALIAS, "--dry-run",
                "-w", tmp_path / "ws")
    assert re.search(rf"architecture \(\$LATEST\) +{NATIVE} +{OTHER}: image", shown.stdout), shown.stdout
    assert NEW in "".join(shown.stdout.split()), shown.stdout  # the URI folded in the table, never cut short
    assert (served.state(), image_of(served)) == (before, code)
    assert not journal_path(tmp_path / "ws", FUNCTION).exists()


def test_an_image_function_without_image_uri_or_with_code_is_refused_naming_the_option_and_nothing_changes(
        cli, live, tmp_path):
    served = serve_image(live)
    before, code = served.state(), image_of(served)
    done = cli("apply", FUNCTION, "--arch", OTHER, "--alias", ALIAS, "--yes", "-w", tmp_path / "ws")
    assert done.exit_code != 0
    assert f"captioner is a container image: running it on {OTHER} needs an image built for {OTHER}" in \
        one_error(done)
    assert "--image-uri URI" in done.stderr
    zipped = tmp_path / "built.zip"
    zipped.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the option is refused before it is read
    given = cli("apply", FUNCTION, "--arch", OTHER, "--code", zipped, "--alias", ALIAS, "--yes", "-w", tmp_path / "ws")
    assert given.exit_code == 2 and "--code is for a zip package, and captioner is a container image" in \
        one_error(given)
    assert (served.state(), image_of(served)) == (before, code)
    assert not journal_path(tmp_path / "ws", FUNCTION).exists()
