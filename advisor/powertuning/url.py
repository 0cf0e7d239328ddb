"""The Power Tuning visualization URL: sizes, durations and costs in its fragment.

AWS Lambda Power Tuning (alexcasalboni/aws-lambda-power-tuning, ``lambda/utils.js``,
``buildVisualizationURL``) writes its results as ``https://lambda-power-tuning.show/#A;B;C``:
``A`` the memory sizes as an ``Int16Array``, ``B`` the mean durations (ms) and ``C`` the costs
per invocation (USD) as ``Float32Array``s, each array's bytes (little-endian) in standard
base64, sorted by size. Regions in China add ``?currency=CNY`` before the fragment. The chart
(matteo-ronchetti/aws-lambda-power-tuning-ui, ``src/app.js``) also reads a comparison of two
sets: eight parts, the second set's three arrays and then the two sets' legends
(URI-encoded). The fragment never reaches a server, so decoding it needs no network.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from advisor.errors import InputError, UsageError
from advisor.platform.aws_lambda import MEMORY

#: The chart's host and the base URL Power Tuning uses by default.
HOST: Final = "lambda-power-tuning.show"
BASE_URL: Final = f"https://{HOST}/"
#: Currency of the costs when the URL does not say (``?currency=CNY`` in China's regions).
DEFAULT_CURRENCY: Final = "USD"
#: Parts of a fragment: one set (sizes, durations, costs), or two sets and their legends.
ONE_SET_PARTS: Final = 3
COMPARISON_PARTS: Final = 8
_SEPARATOR: Final = ";"
#: Typed arrays: struct codes (little-endian, as JavaScript writes them on every AWS CPU).
_INT16: Final = "h"
_FLOAT32: Final = "f"
_FLOAT32_MAX: Final = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
_BASE64: Final = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_HINT: Final = ("Give the visualization URL exactly as Power Tuning printed it "
                "(stateMachine.visualization in the execution's output).")


@dataclass(frozen=True)
class ChartSet:
    """One set of the chart: sizes (MB) with their mean duration (ms) and cost per invocation.

    Attributes:
        memory_mb: Memory sizes, ascending.
        duration_ms: Mean duration at each size.
        cost: Cost of one invocation at each size, in ``currency``.
        legend: The set's legend in a comparison URL (None for a single set).
    """

    memory_mb: tuple[int, ...]
    duration_ms: tuple[float, ...]
    cost: tuple[float, ...]
    legend: str | None = None


@dataclass(frozen=True)
class Chart:
    """What a visualization URL holds: one or two sets, and the currency of their costs."""

    sets: tuple[ChartSet, ...]
    currency: str = DEFAULT_CURRENCY


def is_url(text: str) -> bool:
    """Whether ``text`` is meant as a URL (``http://`` or ``https://``) rather than a path."""
    return text.strip().lower().startswith(("http://", "https://"))


def decode_url(url: str) -> Chart:
    """The sets a Power Tuning visualization URL holds.

    Raises:
        InputError: another host, no fragment, or a fragment that does not decode into sizes,
            durations and costs of the same length (each message names the part at fault).
    """
    shown = _shorten(url)
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or host not in (HOST, f"www.{HOST}"):
        raise InputError(
            f"{shown} is not a Power Tuning visualization URL (host {host or 'none'!r}, not {HOST}).",
            hint=f"A chart deployed elsewhere (visualizationURL) has the same fragment: give it as "
                 f"{BASE_URL}#FRAGMENT.")
    fragment = parts.fragment
    if not fragment:
        raise InputError(f"{shown} has no fragment (#...): the results are encoded there.", hint=_HINT)
    pieces = fragment.split(_SEPARATOR)
    if len(pieces) not in (ONE_SET_PARTS, COMPARISON_PARTS):
        raise InputError(
            f"{shown}: the fragment has {len(pieces)} parts separated by ';', not {ONE_SET_PARTS} "
            f"(sizes;durations;costs) or {COMPARISON_PARTS} (a comparison of two sets).", hint=_HINT)
    legends: tuple[str | None, ...] = (None,)
    if len(pieces) == COMPARISON_PARTS:
        legends = (unquote(pieces[6]), unquote(pieces[7]))
    sets = tuple(_decode_set(shown, pieces[3 * i:3 * i + 3], legend, first=3 * i + 1)
                 for i, legend in enumerate(legends))
    return Chart(sets, _currency(parts.query))


def encode_url(sets: Sequence[ChartSet], *, currency: str = DEFAULT_CURRENCY) -> str:
    """The visualization URL of one set, or of a comparison of two (each needs its legend).

    Raises:
        UsageError: not one or two sets, a comparison without legends, sizes outside Lambda's
            range, or figures a ``Float32Array`` cannot hold.
    """
    if len(sets) not in (1, 2):
        raise UsageError(f"the chart shows one set or compares two, not {len(sets)}.")
    if len(sets) == 2 and any(s.legend is None for s in sets):
        raise UsageError("a comparison of two sets needs a legend for each.")
    pieces: list[str] = []
    for chart_set in sets:
        pieces += _encode_set(chart_set)
    if len(sets) == 2:
        pieces += [quote(s.legend or "", safe="") for s in sets]
    query = "" if currency == DEFAULT_CURRENCY else f"?currency={quote(currency, safe='')}"
    return f"{BASE_URL}{query}#{_SEPARATOR.join(pieces)}"


def _encode_set(chart_set: ChartSet) -> list[str]:
    """The three base64 parts of one set, sorted by size as Power Tuning sorts them."""
    count = len(chart_set.memory_mb)
    if not count or len(chart_set.duration_ms) != count or len(chart_set.cost) != count:
        raise UsageError(f"a chart set needs as many durations and costs as sizes "
                         f"({count} sizes, {len(chart_set.duration_ms)} durations, {len(chart_set.cost)} costs).")
    rows = sorted(zip(chart_set.memory_mb, chart_set.duration_ms, chart_set.cost, strict=True))
    for memory, duration, cost in rows:
        if not MEMORY.contains(memory):
            raise UsageError(f"memory size {memory} MB is outside {MEMORY.range_text()}.")
        for name, value in (("duration", duration), ("cost", cost)):
            if not (math.isfinite(value) and 0 < value <= _FLOAT32_MAX and as_float32(value) > 0):
                raise UsageError(f"{name} {value!r} at {memory} MB is not a positive number a Float32Array holds.")
    columns = list(zip(*rows, strict=True))
    return [_pack(_INT16, columns[0]), _pack(_FLOAT32, columns[1]), _pack(_FLOAT32, columns[2])]


def as_float32(value: float) -> float:
    """``value`` as a ``Float32Array`` holds it (the precision of the URL's figures)."""
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def _pack(code: str, values: Sequence[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{code}", *values)).decode("ascii")


def _decode_set(shown: str, pieces: Sequence[str], legend: str | None, *, first: int) -> ChartSet:
    """One set from its three parts (``first``: the 1-based number of its first part)."""
    sizes = _unpack(shown, pieces[0], _INT16, f"part {first} (memory sizes, Int16Array)")
    durations = _unpack(shown, pieces[1], _FLOAT32, f"part {first + 1} (durations, Float32Array)")
    costs = _unpack(shown, pieces[2], _FLOAT32, f"part {first + 2} (costs, Float32Array)")
    where = f"{shown}" + (f" (set {legend!r})" if legend is not None else "")
    if not sizes:
        raise InputError(f"{where}: the fragment holds no memory sizes.", hint=_HINT)
    if not len(sizes) == len(durations) == len(costs):
        raise InputError(f"{where}: the fragment holds {len(sizes)} sizes, {len(durations)} durations "
                         f"and {len(costs)} costs; each size needs one of each.", hint=_HINT)
    seen: set[float] = set()
    for size, duration, cost in zip(sizes, durations, costs, strict=True):
        if not MEMORY.contains(size):
            raise InputError(f"{where}: memory size {size:g} MB is outside {MEMORY.range_text()}.", hint=_HINT)
        if size in seen:
            raise InputError(f"{where}: memory size {size:g} MB appears twice.", hint=_HINT)
        seen.add(size)
        for name, value in (("duration", duration), ("cost", cost)):
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"{where}: the {name} at {size:g} MB is {value!r}, not a positive number.",
                                 hint=_HINT)
    return ChartSet(tuple(int(s) for s in sizes), tuple(durations), tuple(costs), legend)


def _unpack(shown: str, piece: str, code: str, what: str) -> tuple[float, ...]:
    """The values of one base64 typed array (percent-escapes and the URL-safe alphabet allowed)."""
    text = unquote(piece).replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4) if not text.endswith("=") else ""
    data = None
    if _BASE64.fullmatch(text):
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            data = None
    if data is None:
        raise InputError(f"{shown}: {what} {_shorten(piece, 24)!r} is not base64.", hint=_HINT)
    size = struct.calcsize(code)
    if len(data) % size:
        raise InputError(f"{shown}: {what} holds {len(data)} bytes, not a whole number of "
                         f"{size}-byte values.", hint=_HINT)
    return tuple(struct.unpack(f"<{len(data) // size}{code}", data))


def _currency(query: str) -> str:
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == "currency" and value:
            return unquote(value).upper()
    return DEFAULT_CURRENCY


def _shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters for a one-line message (control characters escaped)."""
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text.strip())
    return text if len(text) <= limit else f"{text[:limit - 3]}..."
