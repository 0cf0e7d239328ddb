"""Compiled binary heaps used by the replay kernel.

Two kinds, both on preallocated numpy arrays so the kernel never allocates per event:

* an *indexed* max-heap of instance slots (``heap`` holds slots, ``pos[slot]`` its index or -1),
  ordered by ``key[slot]`` with ties broken by the larger ``seq[slot]`` (the newer instance);
  it supports removal of any slot in O(log n). The routing heaps use it.
* a plain min-heap of ``(time, slot)`` completions, ties broken by the smaller instance ``seq``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Inlined at numba's level (inline="always"): called as compiled functions, each call passes every
# array argument with an atomic reference-count increment and decrement (perf: NRT_incref/decref
# took half the kernel's time); inlined, the general kernel runs 15-30% faster, compile time
# unchanged. numba's disk cache does not follow imports: edit _kernel.py too when this changes.
NOT_IN_HEAP = -1


@njit(cache=True, inline="always")
def _better(a: int, b: int, key: np.ndarray, seq: np.ndarray) -> bool:
    return key[a] > key[b] or (key[a] == key[b] and seq[a] > seq[b])


@njit(cache=True, inline="always")
def _sift_up(heap: np.ndarray, pos: np.ndarray, i: int, key: np.ndarray, seq: np.ndarray) -> None:
    slot = heap[i]
    while i > 0:
        parent = (i - 1) >> 1
        other = heap[parent]
        if not _better(slot, other, key, seq):
            break
        heap[i] = other
        pos[other] = i
        i = parent
    heap[i] = slot
    pos[slot] = i


@njit(cache=True, inline="always")
def _sift_down(heap: np.ndarray, pos: np.ndarray, size: int, i: int, key: np.ndarray, seq: np.ndarray) -> None:
    slot = heap[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        right = child + 1
        if right < size and _better(heap[right], heap[child], key, seq):
            child = right
        other = heap[child]
        if not _better(other, slot, key, seq):
            break
        heap[i] = other
        pos[other] = i
        i = child
    heap[i] = slot
    pos[slot] = i


@njit(cache=True, inline="always")
def ix_push(heap: np.ndarray, pos: np.ndarray, size: int, slot: int, key: np.ndarray, seq: np.ndarray) -> int:
    """Insert ``slot``; returns the new size (the heap array must have room)."""
    heap[size] = slot
    pos[slot] = size
    _sift_up(heap, pos, size, key, seq)
    return size + 1


@njit(cache=True, inline="always")
def ix_remove(heap: np.ndarray, pos: np.ndarray, size: int, slot: int, key: np.ndarray, seq: np.ndarray) -> int:
    """Remove ``slot`` (which must be in the heap); returns the new size."""
    i = pos[slot]
    pos[slot] = NOT_IN_HEAP
    size -= 1
    if i == size:
        return size
    last = heap[size]
    heap[i] = last
    pos[last] = i
    _sift_down(heap, pos, size, i, key, seq)
    _sift_up(heap, pos, pos[last], key, seq)
    return size


@njit(cache=True, inline="always")
def ix_update(heap: np.ndarray, pos: np.ndarray, size: int, slot: int, key: np.ndarray, seq: np.ndarray) -> None:
    """Restore the heap order after ``key[slot]`` changed."""
    i = pos[slot]
    _sift_down(heap, pos, size, i, key, seq)
    _sift_up(heap, pos, pos[slot], key, seq)


@njit(cache=True, inline="always")
def ev_push(times: np.ndarray, slots: np.ndarray, size: int, t: float, slot: int, seq: np.ndarray) -> int:
    """Push completion ``(t, slot)``; returns the new size (the arrays must have room)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        pt = times[parent]
        if pt < t or (pt == t and seq[slots[parent]] <= seq[slot]):
            break
        times[i] = pt
        slots[i] = slots[parent]
        i = parent
    times[i] = t
    slots[i] = slot
    return size + 1


@njit(cache=True, inline="always")
def ev_pop(times: np.ndarray, slots: np.ndarray, size: int, seq: np.ndarray) -> int:
    """Drop the earliest completion (read it first from ``times[0], slots[0]``); returns the new size."""
    size -= 1
    if size == 0:
        return 0
    t = times[size]
    slot = slots[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        right = child + 1
        if right < size and (
            times[right] < times[child] or (times[right] == times[child] and seq[slots[right]] < seq[slots[child]])
        ):
            child = right
        ct = times[child]
        if ct > t or (ct == t and seq[slots[child]] >= seq[slot]):
            break
        times[i] = ct
        slots[i] = slots[child]
        i = child
    times[i] = t
    slots[i] = slot
    return size
