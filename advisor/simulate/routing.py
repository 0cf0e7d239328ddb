"""Routing rules: which idle instance a warm request goes to.

The rules are the ones of DESIGN.md ("Replay semantics"), shared by the simulator and the
local target; their integer codes are what the compiled kernel understands. Ties (two
instances freed at the same instant) go to the newer instance. This module imports nothing
heavy, so the local target can use the rules without loading the replay engine.
"""

from __future__ import annotations

from advisor.errors import UsageError

MRU, LRU, NEWEST, OLDEST, RANDOM = 0, 1, 2, 3, 4

#: Rule name -> kernel code.
ROUTING_CODES: dict[str, int] = {
    "mru": MRU,  # most recently freed (or used) instance
    "lru": LRU,  # least recently freed
    "newest": NEWEST,  # latest created
    "oldest": OLDEST,  # earliest created
    "random": RANDOM,  # uniformly among the idle ones (seeded)
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
