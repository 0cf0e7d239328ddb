"""Parse the time options users type: ``--since 7d``, ``--until 2026-11-20T12:00``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from advisor.errors import UsageError
from advisor.units import parse_duration

#: The times a record can carry: nanoseconds since 1970 in 64 bits (pandas, DuckDB) end in 2262.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 4, 11, tzinfo=UTC)

_HINT = ("Use a duration back from now (90m, 24h, 7d, 2w, 1d12h) or an ISO 8601 date/time "
         "(2026-11-20, 2026-11-20T12:00Z).")


def parse_since(text: str, now: datetime | None = None, *, option: str = "--since") -> datetime:
    """Turn a duration back from ``now`` (``7d``, ``24h``, ``1h30m``) or an ISO 8601 time into UTC.

    A duration uses the one syntax of :func:`advisor.units.parse_duration` (with its unit:
    a bare number is refused). An ISO time without a zone is UTC.

    Args:
        text: What the user typed.
        now: The reference time (default: the current UTC time).
        option: The option it was given to, for the message.

    Raises:
        UsageError: ``text`` is neither; the message names the value.
    """
    reference = now or datetime.now(UTC)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    try:
        seconds = parse_duration(text, option=option, default_unit=None)
    except UsageError:
        return _iso(text, option)
    try:
        return _within(reference - timedelta(seconds=seconds), text, option)
    except OverflowError:
        raise UsageError(f"cannot read the time {option} {text!r}: too far back.", hint=_HINT) from None


def _iso(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise UsageError(f"cannot read the time {option} {text!r}.", hint=_HINT) from None
    if moment.tzinfo is None:
        return _within(moment.replace(tzinfo=UTC), text, option)
    return _within(moment.astimezone(UTC), text, option)


def _within(moment: datetime, text: str, option: str) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise UsageError(f"{option} {text!r} is {moment:%Y-%m-%d}, outside the times records can carry "
                         f"({EARLIEST:%Y} to {LATEST:%Y}).", hint=_HINT)
    return moment
