"""A Lambda function's code when its architecture changes: read it, check it, put it back.

Lambda changes a function's architecture only with its code (``UpdateFunctionCode`` with
``Architectures``). ``advisor apply`` (:mod:`advisor.apply.code`) and the AWS target of
``advisor tune`` (:mod:`advisor.targets.aws`) both re-upload a zip package as it is, which
runs on the other architecture only when it holds no native code
(:mod:`advisor.targets.lambda_package`) and its layers allow it. Here: the package downloaded
from ``GetFunction``'s ``Code.Location`` (checked against its ``CodeSha256``), the layers'
architectures, the native code named, and the original code put back on the original
architecture by a restore, its ``CodeSha256`` checked.

``command`` names the advisor command in messages (``advisor apply``, ``advisor tune``).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Final

from advisor import aws
from advisor.errors import RemoteError, TargetError
from advisor.platform.aws_lambda import DEFAULT_ARCH, MAX_ZIP_UPLOAD_BYTES, code_sha256
from advisor.targets import lambda_package

ZIP, IMAGE = "Zip", "Image"
#: Seconds to wait for the package download to start or continue.
DOWNLOAD_TIMEOUT_S: Final = 60.0
#: The journal attachment holding the original zip package (``FUNCTION.code.zip``).
CODE_ATTACHMENT: Final = "code.zip"
MB: Final = 2**20


def check_layers(lam: Any, state: dict[str, Any], architecture: str, *, command: str) -> tuple[str, ...]:
    """Refuse a layer limited to other architectures; the notes for layers that list none.

    Args:
        lam: The Lambda client.
        state: ``function``, ``architecture`` and ``layers`` (layer version ARNs).
        architecture: The architecture to run on.
        command: The advisor command, for the hint.

    Raises:
        TargetError: a layer lists its architectures without ``architecture``.
    """
    unlisted = []
    for arn in state.get("layers") or []:
        name, _, number = arn.rpartition(":")
        listed = lam.get_layer_version(LayerName=name, VersionNumber=int(number)).get("CompatibleArchitectures")
        if not listed:
            unlisted.append(arn)
        elif architecture not in listed:
            raise TargetError(f"layer {arn} of {state['function']} is for {', '.join(listed)} only, not {architecture}",
                              hint=f"Publish a version of the layer built for {architecture}, attach it, then run "
                                   f"{command} again.")
    if not unlisted:
        return ()
    return (f"layer{'s' * (len(unlisted) > 1)} {', '.join(unlisted)} list{'s' * (len(unlisted) == 1)} no "
            f"architectures: check that {'they hold' if len(unlisted) > 1 else 'it holds'} no native code for "
            f"{state['architecture']} only",)


def download(lam: Any, function: str, *, command: str) -> tuple[bytes, str]:
    """The function's zip package and its CodeSha256, checked against each other.

    Raises:
        RemoteError: no Code.Location, the download failed, or the bytes are not the CodeSha256.
        TargetError: the package is over the direct-upload limit.
    """
    found = lam.get_function(FunctionName=function)
    sha, location = found["Configuration"]["CodeSha256"], (found.get("Code") or {}).get("Location")
    if not location:
        raise RemoteError(f"GetFunction of {function} gave no Code.Location to download its package from")
    try:
        with urllib.request.urlopen(location, timeout=DOWNLOAD_TIMEOUT_S) as answer:
            data = answer.read(MAX_ZIP_UPLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise RemoteError(f"could not download the code of {function} from its Code.Location: {exc}",
                          hint="Check the network and that the role may call lambda:GetFunction, then run again.",
                          ) from None
    if len(data) > MAX_ZIP_UPLOAD_BYTES:
        raise TargetError(f"the package of {function} is over {MAX_ZIP_UPLOAD_BYTES // MB} MB, the most "
                          "UpdateFunctionCode takes directly, so advisor cannot re-upload it",
                          hint="Change the architecture in your infrastructure code (--iac) and deploy it.")
    if code_sha256(data) != sha:
        raise RemoteError(f"the package downloaded for {function} does not match its CodeSha256 {sha}",
                          hint=f"It changed while it was read (a deployment?): run {command} again.")
    return data, sha


def native_code(function: str, data: bytes, architecture: str) -> str | None:
    """Why the package ``data`` of ``function`` would not run on ``architecture`` as it is (None: no native code).

    Raises:
        InputError: not a zip file Lambda can unzip.
    """
    native = lambda_package.native_files(data, what=f"the package of {function}")
    if not native:
        return None
    return (f"the package of {function} holds native code ({lambda_package.describe(native)}: {len(native)} file"
            f"{'s' * (len(native) != 1)}), built for one architecture: re-uploaded as it is, it would not run on "
            f"{architecture}")


def settled_revision(lam: Any, function: str, sha: str, architecture: str, *, command: str) -> str | None:
    """``$LATEST``'s RevisionId once its code update settled, checking that it holds that code.

    Raises:
        TargetError: another CodeSha256 or architecture (someone deployed meanwhile).
    """
    now = lam.get_function_configuration(FunctionName=function)
    found = (now.get("CodeSha256"), (now.get("Architectures") or [None])[0])
    if found != (sha, architecture):
        raise TargetError(f"{function} has code {found[0]} on {found[1]} after its update, not {sha} on {architecture}",
                          hint=f"Someone deployed meanwhile: check the function, then run {command} again.")
    return now.get("RevisionId")


def restore_code(lam: Any, function: str, code: dict[str, Any], created: dict[str, Any], *, command: str,
                 data: bytes | None = None) -> list[str]:
    """Put ``$LATEST``'s original code back on its original architecture; the lines saying what was done.

    Args:
        lam: The Lambda client.
        function: The function.
        code: The journaled original: ``architecture``, ``code_sha256``, and ``zip`` (the path of the
            package kept beside the journal) or ``image_uri``.
        created: What was uploaded (``code_sha256``, ``architecture``): other code found now is a
            later deployment, left as it is with a note.
        command: The advisor command that changed it, for the note.
        data: The original package's bytes, when this process still holds them (instead of ``zip``).

    Raises:
        TargetError: the kept package cannot be read or is not the journaled one; the update failed.
    """
    aws.wait(lam, "function_updated_v2", FunctionName=function)  # an update cut short by Ctrl-C ends first
    current = lam.get_function_configuration(FunctionName=function)
    now = (current.get("CodeSha256"), (current.get("Architectures") or [DEFAULT_ARCH])[0])
    before = (code["code_sha256"], code["architecture"])
    if now == before:
        return []
    applied = (created.get("code_sha256"), created.get("architecture"))
    if applied[0] is not None and now != applied:
        return [f"note: $LATEST now has code {now[0]} on {now[1]}, not what {command} uploaded; left as it is "
                f"(it had {before[0]} on {before[1]})"]
    revision = {"RevisionId": current["RevisionId"]} if current.get("RevisionId") else {}
    lam.update_function_code(FunctionName=function, Architectures=[code["architecture"]],
                             **_original_code(code, data), **revision)
    aws.wait(lam, "function_updated_v2", FunctionName=function)
    settled_revision(lam, function, code["code_sha256"], code["architecture"], command="advisor restore")
    return [f"put back $LATEST's original code (CodeSha256 {code['code_sha256']}) on {code['architecture']} "
            f"(was {now[1]})"]


def _original_code(code: dict[str, Any], data: bytes | None) -> dict[str, Any]:
    """The ``update_function_code`` argument that uploads the original code: its zip (checked) or image."""
    if data is None and code.get("zip") is None:
        return {"ImageUri": code["image_uri"]}
    path = Path(code.get("zip") or "memory")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TargetError(f"cannot read the original code {path} that the journal names ({exc.strerror or exc})",
                              hint=f"Deploy the original package by hand (CodeSha256 {code['code_sha256']}, "
                                   f"{code['architecture']}), then delete the journal.") from None
    if code_sha256(data) != code["code_sha256"]:
        raise TargetError(f"the original code {path} is not the package the journal recorded (CodeSha256 "
                          f"{code['code_sha256']})",
                          hint="Deploy the original package by hand, then delete the journal.")
    return {"ZipFile": data}
