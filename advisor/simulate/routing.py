"""Routing rules: which idle instance a warm request goes to.

The rules are the ones of DESIGN.md ("Replay semantics"); their integer codes are what the
compiled kernel understands. Ties (two instances freed at the same instant) go to the newer
instance.
"""

from __future__ import annotations

from advisor.errors import UsageError
from advisor.simulate import _kernel

#: Rule name -> kernel code.
ROUTING_CODES: dict[str, int] = {
    "mru": _kernel.MRU,  # most recently freed (or used) instance
    "lru": _kernel.LRU,  # least recently freed
    "newest": _kernel.NEWEST,  # latest created
    "oldest": _kernel.OLDEST,  # earliest created
    "random": _kernel.RANDOM,  # uniformly among the idle ones (seeded)
}

#: Lambda's default: new requests go to the newest idle environment, so older ones age out
#: (the model validated against Lambda by Mahmoudi & Khazaei, IEEE TCC 2020; see docs/replay.md).
DEFAULT_ROUTING = "newest"


def routing_code(name: str) -> int:
    """The kernel code of routing rule ``name``.

    Raises:
        UsageError: ``name`` is not a known rule.
    """
    try:
        return ROUTING_CODES[name]
    except KeyError:
        known = ", ".join(ROUTING_CODES)
        raise UsageError(f"unknown routing rule {name!r}.", hint=f"Use one of: {known}.") from None
