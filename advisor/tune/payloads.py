"""The events a tuning invokes the function with: ``--payload FILE[:WEIGHT]`` and ``--payloads DIR``.

Each payload is a JSON file holding one event. A weight (a whole number, default 1) sets the
share of invocations that get it: ``--payload small.json:3 --payload large.json`` sends the
small event three times as often as the large one, as :func:`advisor.tune.settings.weighted_cycle`
interleaves them. A directory gives every ``*.json`` file in it, in name order, each of weight 1.
With neither, the event is ``{}``, as ``advisor local invoke`` sends.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.limits import PAYLOAD_WEIGHT
from advisor.targets.runs import read_payload_file

#: The event sent when no payload is given.
DEFAULT_EVENT: Final[dict[str, Any]] = {}
DIR_PATTERN: Final = "*.json"
#: ``FILE:WEIGHT``: a weight is the number after the last colon.
_WEIGHTED: Final = re.compile(r"(.+):\s*([+-]?\d+(?:\.\d*)?)\s*")


@dataclass(frozen=True)
class Payload:
    """One event and its share of the invocations.

    Attributes:
        event: The JSON value sent as the event.
        weight: Its relative share (a whole number, at least 1).
        source: Where it came from (a file path, or ``default``), for reports.
    """

    event: Any
    weight: int
    source: str


def parse_weighted(text: str, *, option: str = "--payload") -> tuple[Path, int]:
    """Split ``FILE`` or ``FILE:WEIGHT`` into the path and the weight (1 when none is given).

    A file whose own name ends in ``:N`` is taken whole when it exists.

    Raises:
        UsageError: the text is empty or the weight is out of bounds.
    """
    if not text.strip():
        raise UsageError(f"{option} is empty.", hint="Give a JSON file, e.g. --payload event.json:3.")
    match = _WEIGHTED.fullmatch(text)
    if match is None or Path(text).exists():
        return Path(text), 1
    return Path(match.group(1)), int(PAYLOAD_WEIGHT.check(
        float(match.group(2)), option=f"{option} {match.group(1)}: weight"))


def load_payloads(files: Sequence[str] = (), directory: Path | None = None) -> tuple[Payload, ...]:
    """The payloads of ``--payload`` options (``FILE`` or ``FILE:WEIGHT``) and ``--payloads DIR``.

    Args:
        files: Each ``--payload`` value, in order.
        directory: A directory of ``*.json`` events (each of weight 1), or None.

    Returns:
        The payloads, files first then the directory's in name order; ``{}`` alone when none.

    Raises:
        UsageError: a weight out of bounds, or the same file given twice.
        NotFoundError: a file or the directory does not exist.
        InputError: a file that is not JSON, or a directory without a ``*.json`` file.
    """
    found: list[Payload] = []
    seen: set[Path] = set()
    for text in files:
        path, weight = parse_weighted(text)
        _once(path, seen)
        found.append(Payload(read_payload_file(path), weight, str(path)))
    if directory is not None:
        for path in _directory_files(directory):
            _once(path, seen)
            found.append(Payload(read_payload_file(path), 1, str(path)))
    return tuple(found) or (Payload(DEFAULT_EVENT, 1, "default"),)


def as_pairs(payloads: Sequence[Payload]) -> tuple[tuple[Any, float], ...]:
    """``(event, weight)`` pairs, the shape :class:`advisor.tune.settings.TuneSettings` takes."""
    return tuple((p.event, float(p.weight)) for p in payloads)


def _directory_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise NotFoundError(f"--payloads directory {directory} does not exist", hint="Check the path.")
    files = sorted(p for p in directory.glob(DIR_PATTERN) if p.is_file())
    if not files:
        raise InputError(f"--payloads directory {directory} holds no {DIR_PATTERN} file",
                         hint="Put one JSON event per .json file in it.")
    return files


def _once(path: Path, seen: set[Path]) -> None:
    key = Path(os.path.abspath(path))  # not resolve(): it raises on a name the OS cannot hold (NUL)
    if key in seen:
        raise UsageError(f"payload file {path} is given twice.", hint="Give it once, with a weight: FILE:3.")
    seen.add(key)
