"""Parse the time options users type: ``--since 7d``, ``--until 2026-11-20T12:00``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from advisor.errors import UsageError

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_HINT = "Use a duration back from now (90m, 24h, 7d, 2w) or an ISO 8601 date/time (2026-11-20, 2026-11-20T12:00Z)."


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """Turn ``7d``/``24h``/``90m``/``30s``/``2w`` or an ISO 8601 date/time into a UTC datetime.

    A duration means that long before ``now``. An ISO time without a zone is UTC.

    Args:
        text: What the user typed.
        now: The reference time (default: the current UTC time).

    Raises:
        UsageError: ``text`` is neither; the message names the value.
    """
    reference = now or datetime.now(timezone.utc)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=timezone.utc)
    match = _RELATIVE.match(text)
    if match:
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        try:
            return reference - timedelta(seconds=seconds)
        except OverflowError:
            raise UsageError(f"cannot read the time {text!r}: too far back.", hint=_HINT) from None
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise UsageError(f"cannot read the time {text!r}.", hint=_HINT) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
