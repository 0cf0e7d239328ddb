"""Traffic at another volume: the real arrivals thinned or superposed, with a seeded rng.

A factor ``f = k + r`` (``k`` whole, ``0 <= r < 1``) gives ``k`` copies of the trace and one
more copy thinned to a share ``r`` of its requests. Copy 0 is the trace itself; copy ``j >= 1``
moves each arrival by a uniform jitter within :data:`JITTER_S` (wrapped into the trace's span),
so superposed copies keep the traffic's shape by the hour and day without arriving in
lockstep. A request of the thinned copy is kept when its own uniform draw is below ``r``.
Each copy draws from its own stream (``seed``, ``j``), so the traffic at a larger factor holds
every request of a smaller one: volumes are nested, and a cost that grows with requests grows
with the factor. A request keeps its service time and its observed init time.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from advisor import limits
from advisor.errors import UsageError

if TYPE_CHECKING:
    from advisor.breakeven._base import Workload
    from advisor.simulate.inputs import Trace

#: Superposed copies move each arrival by up to this much (a minute: the resolution of the
#: per-minute traces, and short against the hour-of-day shape).
JITTER_S = 60.0
#: Default volumes, as factors of the real traffic.
DEFAULT_FACTORS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def horizon_s(trace: Trace) -> float:
    """The span of the real traffic (first to last arrival).

    Raises:
        UsageError: the trace has fewer than two distinct arrival times, so no rate.
    """
    if len(trace) < 2 or trace.arrivals_s[-1] <= trace.arrivals_s[0]:
        raise UsageError(f"{trace.name} holds {len(trace)} request(s) at one time, so it has no rate per month.",
                         hint="Give traffic that spans some time (two or more arrivals at different times).")
    return float(trace.arrivals_s[-1] - trace.arrivals_s[0])


def at_volume(trace: Trace, factor: float, *, seed: int = 0) -> Workload:
    """``trace`` at ``factor`` times its volume, over the same span (see the module's doc)."""
    from advisor.breakeven._base import Workload

    limits.VOLUME_FACTOR.check(factor, option="volume")
    span = horizon_s(trace)
    if factor == 1:
        return Workload(trace, span, 1.0)
    whole, part = int(factor), factor - int(factor)
    n = len(trace)
    start = float(trace.arrivals_s[0])
    pieces: list[tuple[np.ndarray, np.ndarray]] = []
    for copy in range(whole + (1 if part > 0 else 0)):
        rng = np.random.default_rng([seed, copy])
        draw = rng.random(n)  # drawn for every copy, so that its jitter is the same whole or thinned
        keep = draw < part if copy == whole else np.ones(n, dtype=bool)
        jitter = rng.uniform(-JITTER_S / 2, JITTER_S / 2, n) if copy else np.zeros(n)
        moved = start + np.mod(trace.arrivals_s - start + jitter, span)
        if copy == 0:
            moved = trace.arrivals_s
        index = np.flatnonzero(keep)
        pieces.append((index, moved[index]))
    index = np.concatenate([p[0] for p in pieces])
    arrivals = np.concatenate([p[1] for p in pieces])
    order = np.argsort(arrivals, kind="stable")
    index, arrivals = index[order], arrivals[order]
    if index.size == 0:
        raise UsageError(f"volume x{factor:g} leaves none of the {n:,} requests of {trace.name}.",
                         hint="Give a larger volume factor.")
    scaled = dataclasses.replace(
        trace,
        arrivals_s=arrivals,
        service_ms=trace.service_ms[index],
        init_ms=None if trace.init_ms is None else trace.init_ms[index],
        log_stream=None,
        request_memory_mb=None if trace.request_memory_mb is None else trace.request_memory_mb[index],
    )
    return Workload(scaled, span, factor)


def parse_factors(text: str, *, option: str = "--volumes") -> tuple[float, ...]:
    """``0.1,1,10``: volume factors, each within :data:`advisor.limits.VOLUME_FACTOR`.

    Raises:
        UsageError: a part that is not a number or lies outside the bound, naming it.
    """
    factors = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            value = float(part.lower().removeprefix("x"))
        except ValueError:
            raise UsageError(f"{option} part {part!r} is not a number.", hint="Write e.g. 0.1,1,10,100.") from None
        factors.append(float(limits.VOLUME_FACTOR.check(value, option=option)))
    if not factors:
        raise UsageError(f"{option} {text!r} gives no volume.", hint="Write e.g. 0.1,1,10,100.")
    return tuple(sorted(set(factors)))
