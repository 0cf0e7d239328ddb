"""Dynamic batching in front of the pool (GPU servers): at most B requests, waiting at most W.

A batch opens with its first request at ``a0`` and takes the following requests that arrive
at or before ``a0 + W`` until it holds B. It closes when the B-th request arrives, or at
``a0 + W`` if it is not full by then, and goes to the pool as one job arriving at its close
time. The batch's service time is the longest of its members' (the GPU runs them together).
With B = 1 every request is its own batch, closing at its own arrival: the plain replay.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def form_batches(arrival: np.ndarray, service: np.ndarray, size: int, wait_s: float):
    """Group sorted ``arrival`` into batches.

    Returns ``(close_time, batch_service, first_member, batch_of)`` where the first three are
    per batch and ``batch_of`` maps each request to its batch.
    """
    n = arrival.shape[0]
    close = np.empty(n, np.float64)
    svc = np.empty(n, np.float64)
    first = np.empty(n, np.int64)
    batch_of = np.empty(n, np.int64)
    b = 0
    i = 0
    while i < n:
        deadline = arrival[i] + wait_s
        k = i
        longest = 0.0
        while k < n and k - i < size and arrival[k] <= deadline:
            longest = max(longest, service[k])
            batch_of[k] = b
            k += 1
        close[b] = arrival[k - 1] if k - i == size else deadline
        svc[b] = longest
        first[b] = i
        b += 1
        i = k
    return close[:b].copy(), svc[:b].copy(), first[:b].copy(), batch_of
