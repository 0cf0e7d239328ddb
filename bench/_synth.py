"""Synthetic but realistic invocation records for the store and analyze benchmarks.

Poisson arrivals with a daily cycle, log-normal warm durations, instances (log
streams) that are recycled every few hours so each new stream starts cold, a small
share of errors and timeouts. Everything is vectorised so 10 million records take
seconds to make.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from advisor.record import conform

START = pd.Timestamp("2026-11-01T00:00:00Z")
MEAN_RATE_PER_S = 16.0
INSTANCE_SLOTS = 24
STREAM_LIFETIME_S = 4 * 3600
MEMORY_MB = 2048
TIMEOUT_MS = 30_000.0


def request_ids(n: int, rng: np.random.Generator) -> pa.Array:
    """``n`` random UUID-shaped strings, made without a Python loop."""
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    nibbles = hexdigits[rng.integers(0, 16, size=(n, 32), dtype=np.uint8)]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src in ((slice(0, 8), slice(0, 8)), (slice(9, 13), slice(8, 12)),
                     (slice(14, 18), slice(12, 16)), (slice(19, 23), slice(16, 20)),
                     (slice(24, 36), slice(20, 32))):
        out[:, dst] = nibbles[:, src]
    return pa.array(out.view("S36").ravel()).cast(pa.string())


def synthetic_records(n: int, *, function: str = "bench-fn", seed: int = 7) -> pd.DataFrame:
    """``n`` records of one function, sorted by arrival."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / MEAN_RATE_PER_S, size=n)
    arrival_s = np.cumsum(gaps)
    hour = (arrival_s / 3600.0) % 24
    keep_shape = 0.5 + 0.5 * np.sin((hour - 8) / 24 * 2 * np.pi)  # daily cycle, peak mid-afternoon
    arrival_s = arrival_s * (1.0 - 0.2 * keep_shape)
    arrival_s.sort()
    duration = np.minimum(rng.lognormal(np.log(120.0), 0.45, size=n), TIMEOUT_MS)
    slot = rng.integers(0, INSTANCE_SLOTS, size=n)
    generation = (arrival_s // STREAM_LIFETIME_S).astype(np.int64)
    stream_key = generation * INSTANCE_SLOTS + slot
    _, first = np.unique(stream_key, return_index=True)
    cold = np.zeros(n, dtype=bool)
    cold[first] = True
    init = np.where(cold, rng.lognormal(np.log(2500.0), 0.3, size=n), np.nan)
    status = np.where(rng.random(n) < 0.002, "error", "success").astype(object)
    timeouts = rng.random(n) < 0.0005
    status[timeouts] = "timeout"
    duration[timeouts] = TIMEOUT_MS
    start = START + pd.to_timedelta(arrival_s, unit="s")
    total_ms = duration + np.nan_to_num(init)
    end = start + pd.to_timedelta(total_ms, unit="ms")
    streams = np.char.add("2026/11/01/[$LATEST]", stream_key.astype("U12"))
    frame = pd.DataFrame(
        {
            "function": function,
            "request_id": pd.array(request_ids(n, rng), dtype="string"),
            "start_time": start,
            "end_time": end,
            "duration_ms": np.round(duration, 2),
            "billed_duration_ms": np.ceil(duration).astype(np.int64),
            "memory_mb": MEMORY_MB,
            "max_memory_used_mb": rng.integers(600, 900, size=n),
            "init_ms": np.round(init, 2),
            "status": status,
            "error_type": np.where(status == "error", "Runtime.Unknown", None),
            "log_stream": streams,
            "architecture": "x86_64",
        }
    )
    return conform(frame)
