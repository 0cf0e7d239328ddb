"""The function's code when ``advisor apply`` changes its architecture.

Lambda changes a function's architecture only with its code (``UpdateFunctionCode`` with
``Architectures``). :func:`switch_of` decides, before anything changes, which code goes with
the new architecture, or refuses:

- a zip package and no ``--code``: its own package, downloaded from ``GetFunction``'s
  ``Code.Location`` (at most Lambda's direct-upload limit, checked against its ``CodeSha256``),
  re-uploaded as it is, only if it holds no native code (:mod:`advisor.targets.lambda_code`, shared with tune);
- ``--code PATH.zip``: that package, refused if an ELF file in it is built for another machine;
- an image function: ``--image-uri URI``, an image built for the new architecture (advisor cannot
  look inside it).

Either way a layer that lists its architectures without the new one is refused, and one that
lists none is named in a note. The original code (the zip's bytes, or the image digest) is
what the journal keeps, so that a restore puts it back with the original architecture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from advisor.errors import InputError, TargetError, UsageError
from advisor.platform.aws_lambda import MAX_ZIP_UPLOAD_BYTES
from advisor.targets import lambda_code
from advisor.targets import lambda_package as package
from advisor.targets.lambda_code import IMAGE, ZIP

_MB: Final = lambda_code.MB
COMMAND: Final = "advisor apply"


@dataclass(frozen=True)
class CodeSource:
    """The code to upload with another architecture (``--code``, ``--image-uri``); neither: the function's own."""

    zip_path: Path | None = None
    image_uri: str | None = None

    def __post_init__(self) -> None:
        if self.zip_path is not None and self.image_uri is not None:
            raise UsageError("--code and --image-uri both give the code",
                             hint="Give --code for a zip package, --image-uri for an image function.")

    @property
    def given(self) -> str | None:
        """The option given, for messages (None: none)."""
        return "--code" if self.zip_path is not None else "--image-uri" if self.image_uri is not None else None


@dataclass(frozen=True)
class Switch:
    """An architecture change of ``$LATEST``: the code uploaded with it and the original to restore.

    Attributes:
        before, after: The architectures.
        package_type: ``Zip`` or ``Image``.
        original_sha256: ``CodeSha256`` before (a restore checks it afterwards).
        original_zip: The original package's bytes (a zip function).
        original_image_uri: The original image, by digest where Lambda says it (an image function).
        new_zip, new_image_uri: What is uploaded with ``after``.
        what: The code uploaded, in words (the confirmation table).
        notes: What the user should check (layers that list no architectures).
    """

    before: str
    after: str
    package_type: str
    original_sha256: str
    original_zip: bytes | None = field(default=None, repr=False)
    original_image_uri: str | None = None
    new_zip: bytes | None = field(default=None, repr=False)
    new_image_uri: str | None = None
    what: str = ""
    notes: tuple[str, ...] = ()

    def upload(self) -> dict[str, Any]:
        """The ``update_function_code`` arguments that switch the function (without its name)."""
        code = {"ZipFile": self.new_zip} if self.package_type == ZIP else {"ImageUri": self.new_image_uri}
        return {**code, "Architectures": [self.after]}

    def journal(self, zip_path: Path | None) -> dict[str, Any]:
        """What the journal records to put the original back (the zip's bytes go to ``zip_path``)."""
        return {"architecture": self.before, "code_sha256": self.original_sha256, "package_type": self.package_type,
                "zip": str(zip_path) if self.original_zip is not None and zip_path is not None else None,
                "image_uri": self.original_image_uri}


def switch_of(lam: Any, state: dict[str, Any], architecture: str | None, source: CodeSource) -> Switch | None:
    """The architecture change ``state`` needs to run on ``architecture`` (None: none), or a refusal.

    Raises:
        UsageError: ``--code``/``--image-uri`` without an architecture change, or the wrong one for
            the package type.
        TargetError: native code in the function's own package, a package or layer built for
            another architecture, a package over the direct-upload limit.
        InputError: ``--code`` is not a zip file advisor can read.
        RemoteError: the package could not be downloaded.
    """
    function, before = state["function"], state["architecture"]
    if architecture is None or architecture == before:
        if source.given is not None:
            raise UsageError(f"{source.given} goes with an architecture change, and {function} runs on "
                             f"{before} already", hint="Give --arch (or a recommendation) for the other architecture, "
                                                       "or deploy the code through your pipeline.")
        return None
    notes = lambda_code.check_layers(lam, state, architecture, command=COMMAND)
    if state.get("package_type") == IMAGE:
        return _image_switch(lam, state, architecture, source, notes)
    if source.image_uri is not None:
        raise UsageError(f"--image-uri is for an image function, and {function} is a zip package",
                         hint=f"Give --code PATH.zip, a package built for {architecture}.")
    original, sha = lambda_code.download(lam, function, command=COMMAND)
    common = {"before": before, "after": architecture, "package_type": ZIP, "original_sha256": sha,
              "original_zip": original, "notes": notes}
    if source.zip_path is not None:
        new = _read_zip(source.zip_path, architecture)
        return Switch(**common, new_zip=new, what=f"{source.zip_path} ({_size(new)})")
    _check_pure(function, original, architecture)
    return Switch(**common, new_zip=original, what=f"its own package re-uploaded ({_size(original)}, no native code)")


def _image_switch(lam: Any, state: dict[str, Any], architecture: str, source: CodeSource,
                  notes: tuple[str, ...]) -> Switch:
    function = state["function"]
    if source.zip_path is not None:  # first: without --image-uri, the refusal below would not name --code
        raise UsageError(f"--code is for a zip package, and {function} is a container image",
                         hint=f"Give --image-uri URI, an image built for {architecture}.")
    if source.image_uri is None:
        raise TargetError(f"{function} is a container image: running it on {architecture} needs an image built for "
                          f"{architecture}", hint=f"Build and push one, then pass --image-uri URI (it must be an "
                                                  f"image for {architecture}: advisor cannot look inside it).")
    found = lam.get_function(FunctionName=function)
    code = found.get("Code") or {}
    original = code.get("ResolvedImageUri") or code.get("ImageUri")
    return Switch(state["architecture"], architecture, IMAGE, found["Configuration"]["CodeSha256"],
                  original_image_uri=original, new_image_uri=source.image_uri,
                  what=f"image {source.image_uri} (it must be built for {architecture})", notes=notes)


def _check_pure(function: str, data: bytes, architecture: str) -> None:
    refusal = lambda_code.native_code(function, data, architecture)
    if refusal is not None:
        raise TargetError(refusal, hint=f"Build the package for {architecture} (e.g. pip install --platform "
                                        f"manylinux2014_{'aarch64' if architecture == 'arm64' else 'x86_64'} "
                                        "--only-binary=:all:) and pass it with --code PATH.zip.")


def _read_zip(path: Path, architecture: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_ZIP_UPLOAD_BYTES:
            raise InputError(f"--code {path} is {size / _MB:,.1f} MB, more than the {MAX_ZIP_UPLOAD_BYTES // _MB} MB "
                             "UpdateFunctionCode takes directly", hint="Deploy it through S3 with your pipeline.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"--code {path}: no such file", hint="Give the zip package built for the new "
                                                              "architecture.") from None
    except OSError as exc:
        raise InputError(f"--code {path}: cannot read it ({exc.strerror or exc})") from None
    wrong = [f for f in package.native_files(data, what=f"--code {path}") if not f.runs_on(architecture)]
    if wrong:
        raise InputError(f"--code {path} holds native code not built for {architecture} ({package.describe(wrong)}: "
                         f"{len(wrong)} file{'s' * (len(wrong) != 1)})",
                         hint=f"Rebuild the package for {architecture} and give it again.")
    return data


def _size(data: bytes) -> str:
    return f"{len(data) / _MB:,.1f} MB" if len(data) >= _MB // 10 else f"{len(data):,} bytes"
