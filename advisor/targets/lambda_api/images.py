"""The container images the emulator knows: its stand-in for ECR, so a function can be an image function.

An image is known by its repository, a tag and the digest that tag points to
(``--image REPO:TAG=sha256:HEX``); it can then be named as Lambda lets an ``ImageUri`` name it,
by tag (``REPO:TAG``) or by digest (``REPO@sha256:HEX``). Lambda resolves the URI when the
code is set: ``GetFunction``'s ``Code.ResolvedImageUri`` is ``REPO@sha256:HEX`` and the
configuration's ``CodeSha256`` is the digest's hex. The emulator cannot run an image: the
handler the server was given runs whatever image the function names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from advisor.errors import UsageError
from advisor.targets.lambda_api import errors

#: An image digest as ECR gives it.
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
#: ``REPO:TAG`` (the tag after the last ``/``, so a registry's port is not one).
_TAGGED = re.compile(r"(?P<repo>[^@\s]+/[^/:@\s]+):(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})")


@dataclass(frozen=True)
class Image:
    """One image as a function's code: the URI it was named by and what Lambda resolved it to.

    Attributes:
        uri: The ``ImageUri`` given (by tag or by digest).
        resolved: ``REPO@sha256:HEX`` (GetFunction's ``Code.ResolvedImageUri``).
    """

    uri: str
    resolved: str

    @property
    def code_sha256(self) -> str:
        """The configuration's ``CodeSha256``: the digest's hex, as Lambda gives it for an image."""
        return self.resolved.rpartition("@sha256:")[2]


class Images:
    """The images the emulator knows, by ``REPO:TAG`` -> ``sha256:HEX``.

    Args:
        known: each image's tagged URI and its digest.

    Raises:
        UsageError: a URI without a repository and tag, or a digest that is not ``sha256:`` and 64 hex digits.
    """

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        for uri, digest in (known or {}).items():
            if not _TAGGED.fullmatch(uri):
                raise UsageError(f"image {uri!r} is not REPOSITORY:TAG",
                                 hint="For example --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/model:arm64="
                                      "sha256:<64 hex digits>.")
            if not DIGEST.fullmatch(digest):
                raise UsageError(f"image digest {digest!r} of {uri} is not sha256: and 64 hex digits",
                                 hint="Give the digest ECR shows for the image (imageDigest).")
        self.known = dict(known or {})

    def resolve(self, uri: object) -> Image:
        """The image ``uri`` names (``REPO:TAG`` or ``REPO@sha256:HEX``), as Lambda resolves an ImageUri.

        Raises:
            ApiError: no known image is that one (InvalidParameterValueException, Lambda's message).
        """
        text = str(uri)
        repo, at, digest = text.partition("@")
        if at and any(known.rpartition(":")[0] == repo and found == digest for known, found in self.known.items()):
            return Image(text, text)
        if not at and text in self.known:
            return Image(text, f"{text.rpartition(':')[0]}@{self.known[text]}")
        raise errors.invalid_parameter(f"Source image {text} does not exist. Provide a valid source image.")


def parse_images(items: list[str] | None) -> dict[str, str]:
    """Known images from ``REPO:TAG=sha256:HEX`` items (``--image``).

    Raises:
        UsageError: an item without ``=``, named (the URI and digest are checked by :class:`Images`).
    """
    images: dict[str, str] = {}
    for item in items or []:
        uri, sep, digest = item.rpartition("=")
        if not sep or not uri:
            raise UsageError(f"--image {item!r} is not URI=DIGEST",
                             hint="For example --image REPO:arm64=sha256:<64 hex digits>.")
        images[uri] = digest
    return images
