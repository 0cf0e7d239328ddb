"""Units: every conversion factor advisor uses, and the one duration syntax users type.

Durations are written the same way in every option of every command (``--keep-alive``,
``--max-lifetime``, ``--timeout``, the SLA's limits, the relative part of ``--since``):

- a number alone is in the option's default unit (seconds, unless the option says ms;
  options where a bare number would be ambiguous, such as ``--since`` and the SLA, need the
  unit): ``600``, ``1.5``;
- a number with a unit: ``250ms``, ``90s``, ``10m`` (also ``min``), ``2h``, ``1d``, ``1w``;
- several of those, largest unit first, without spaces: ``1h30m``, ``2m30s``, ``1s500ms``;
- ``inf`` (also ``infinite``, ``forever``) where the option allows no limit.

:func:`parse_duration` reads them and :func:`format_duration` writes them back.

A request rate (``--rate``) is a number per one of those units: ``5/s``, ``300/min`` (or
``300/m``), ``2/h``, ``100/d``; :func:`parse_rate` reads it as requests per second.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Final

from advisor.errors import UsageError

MS_PER_S: Final = 1000
US_PER_S: Final = 1_000_000
NS_PER_US: Final = 1000
NS_PER_MS: Final = 1_000_000
NS_PER_S: Final = 1_000_000_000
SECONDS_PER_MINUTE: Final = 60
SECONDS_PER_HOUR: Final = 3600
SECONDS_PER_DAY: Final = 86_400
SECONDS_PER_WEEK: Final = 7 * SECONDS_PER_DAY
MINUTES_PER_HOUR: Final = 60
HOURS_PER_DAY: Final = 24
#: Lambda (and AWS billing) counts a GB as 1,024 MB.
MB_PER_GB: Final = 1024
#: MB-ms in one GB-second: the unit Lambda duration is billed in.
MB_MS_PER_GB_S: Final = MB_PER_GB * MS_PER_S
#: Request prices are quoted per million requests.
REQUESTS_PER_MILLION: Final = 1_000_000
#: Bytes in a MiB (cgroup limits, /proc/meminfo's kB are KiB).
BYTES_PER_MIB: Final = 1024 * 1024
KIB_PER_MIB: Final = 1024
#: Logs Insights writes ``@memorySize`` in bytes as MB x 10^6 (``1.28E8`` for 128 MB).
BYTES_PER_DECIMAL_MB: Final = 1_000_000

#: Epoch nanoseconds a record time may hold: what int64 holds (DuckDB's TIMESTAMP_NS and
#: pandas' datetime64[ns], about the years 1677 to 2262).
EPOCH_NS_RANGE: Final = (-(2**63) + 1, 2**63 - 1)
#: Those years, for messages.
EPOCH_NS_YEARS: Final = "1677-2262"

#: Seconds in each duration unit users may write.
UNIT_SECONDS: Final[dict[str, float]] = {
    "ms": 1 / MS_PER_S,
    "s": 1.0,
    "m": float(SECONDS_PER_MINUTE),
    "min": float(SECONDS_PER_MINUTE),
    "h": float(SECONDS_PER_HOUR),
    "d": float(SECONDS_PER_DAY),
    "w": float(SECONDS_PER_WEEK),
}
INFINITE_WORDS: Final = ("inf", "infinite", "forever")
DURATION_EXAMPLES: Final = "600, 90s, 10m, 1h30m, 250ms"
RATE_EXAMPLES: Final = "5/s, 300/min, 2/h"
_RATE = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)/([a-z]+)$")

_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|min|s|m|h|d|w)?")


def epoch_ms_to_ns(ms: float) -> int:
    """Epoch nanoseconds of a log event's epoch milliseconds (a fraction of a ms is dropped).

    Raises:
        ValueError: not a finite number, or outside :data:`EPOCH_NS_RANGE` (no real log event is).
    """
    if not math.isfinite(ms):
        raise ValueError(f"timestamp {ms} ms is not a time")
    ns = int(ms) * NS_PER_MS
    if not EPOCH_NS_RANGE[0] <= ns <= EPOCH_NS_RANGE[1]:
        raise ValueError(f"timestamp {ms} ms is outside the years {EPOCH_NS_YEARS}")
    return ns


def parse_duration(
    text: str,
    *,
    option: str,
    default_unit: str | None = "s",
    allow_inf: bool = False,
) -> float:
    """Seconds in a duration written as ``600``, ``10m``, ``1h30m``, ``250ms`` (or ``inf``).

    Args:
        text: What the user typed.
        option: The option or setting it was given to, for the message (``--keep-alive``).
        default_unit: The unit of a number written without one (``s`` or ``ms``); None: the
            unit must be written.
        allow_inf: Whether ``inf`` (no limit) is accepted.

    Returns:
        The duration in seconds (``math.inf`` for ``inf``).

    Raises:
        UsageError: ``text`` is not a duration; the message names it and shows the forms.
    """
    value = text.strip().lower()
    if value in INFINITE_WORDS:
        if allow_inf:
            return math.inf
        raise UsageError(f"{option} {text!r} must be a finite duration.", hint=f"Write e.g. {DURATION_EXAMPLES}.")
    parts = list(_PART.finditer(value))
    spans = "".join(match.group(0) for match in parts)
    if not parts or spans != value or (len(parts) > 1 and any(p.group(2) is None for p in parts)):
        forms = DURATION_EXAMPLES + (" or inf" if allow_inf else "")
        raise UsageError(f"{option} {text!r} is not a duration.", hint=f"Write e.g. {forms}.")
    if default_unit is None and parts[-1].group(2) is None:
        raise UsageError(f"{option} {text!r} has no unit.", hint=f"Write the unit, e.g. {value}s or {value}m.")
    units = [part.group(2) or default_unit or "s" for part in parts]
    sizes = [UNIT_SECONDS[unit] for unit in units]
    if any(later >= earlier for earlier, later in itertools.pairwise(sizes)):
        raise UsageError(f"{option} {text!r} repeats a unit or puts a smaller one first.",
                         hint="Write the largest unit first, each once: 1h30m, 2m30s.")
    seconds = sum(float(part.group(1)) * size for part, size in zip(parts, sizes, strict=False))
    if not math.isfinite(seconds):
        raise UsageError(f"{option} {text!r} is too large.", hint=f"Write e.g. {DURATION_EXAMPLES}.")
    return seconds


def parse_rate(text: str, *, option: str) -> float:
    """Requests per second of a rate written ``N/UNIT`` (``5/s``, ``300/min``, ``2/h``).

    Args:
        text: What the user typed.
        option: The option it was given to, for the message (``--rate``).

    Raises:
        UsageError: ``text`` is not a number over a unit, or the rate is not above 0.
    """
    match = _RATE.match(text.strip().lower().replace(" ", ""))
    if match is None or match.group(2) not in UNIT_SECONDS:
        raise UsageError(f"{option} {text!r} is not a rate.",
                         hint=f"Write requests per unit, e.g. {RATE_EXAMPLES} (units: {', '.join(UNIT_SECONDS)}).")
    per_second = float(match.group(1)) / UNIT_SECONDS[match.group(2)]
    if not (math.isfinite(per_second) and per_second > 0):
        raise UsageError(f"{option} {text!r} must be a rate above 0.", hint=f"Write e.g. {RATE_EXAMPLES}.")
    return per_second


def format_duration(seconds: float) -> str:
    """A duration the way users write it: ``10m``, ``1h30m``, ``250ms``, ``forever``.

    Whole units are combined largest first (``5400`` -> ``1h30m``); anything else is written in
    seconds with up to three decimals (``1.5`` -> ``1.5s``), or in ms below a second.
    """
    if math.isinf(seconds):
        return "forever"
    if seconds < 1 and seconds != 0:
        return f"{seconds * MS_PER_S:g}ms"
    if seconds != int(seconds):
        return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"
    remaining, text = int(seconds), ""
    for unit in ("d", "h", "m", "s"):
        size = int(UNIT_SECONDS[unit])
        count, remaining = divmod(remaining, size)
        if count:
            text += f"{count}{unit}"
    return text or "0s"
