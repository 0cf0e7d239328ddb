"""The platform families a break-even compares (``--platforms``): the one list of their names.

Kept apart from the models (:mod:`advisor.breakeven.lineup`) so that a command's help can name
them without loading the replay engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from advisor.errors import UsageError

LAMBDA: Final = "lambda"
SERVERLESS_GPU: Final = "serverless-gpu"
DEDICATED: Final = "dedicated"
CLOUD_RUN: Final = "cloud-run"
#: Every family, in the order the break-even shows them; all by default.
FAMILIES: Final = (LAMBDA, SERVERLESS_GPU, DEDICATED, CLOUD_RUN)
#: ``--platforms none``: no break-even at all.
NO_PLATFORMS: Final = "none"


def check_families(families: Sequence[str], *, option: str = "--platforms") -> tuple[str, ...]:
    """The platform families asked for, each one of :data:`FAMILIES`; a UsageError naming an unknown one."""
    for name in families:
        if name not in FAMILIES:
            raise UsageError(f"{option} {name!r} is not a platform family.",
                             hint=f"Use some of {','.join(FAMILIES)}, or {NO_PLATFORMS}.")
    return tuple(families)


def parse_families(text: str, *, option: str = "--platforms") -> tuple[str, ...]:
    """``lambda,serverless-gpu,dedicated,cloud-run`` (any of them), or ``none`` (no break-even: empty)."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if names == [NO_PLATFORMS]:
        return ()
    if not names:
        raise UsageError(f"{option} {text!r} names no platform.",
                         hint=f"Use some of {','.join(FAMILIES)}, or {NO_PLATFORMS}.")
    return check_families(names, option=option)
