"""The replay kernel's fast path for the common, Lambda-shaped configuration.

Its domain: one request per instance, no queue (a concurrency limit rejects), no provisioned
instances, no maximum lifetime and a deterministic routing rule (``mru``, ``lru``, ``newest``,
``oldest``); batching is outside the kernel, so it is in the domain too. There an instance is
either busy with one request or idle, which removes most of the general kernel's bookkeeping
per request (provisioned heap, lifetime ring, queue, schedule, random picks, per-slot request
counts), and the expiry ring's stale entries are skipped in a tight loop instead of one pass of
the event loop each. The heap operations of ``_heap`` are written out in the loop: numba passes
each array argument of a compiled helper with an atomic increment and decrement of its
reference count, which took half the general kernel's time; ``inline="always"`` does not
remove that here (calling ``_heap``'s inlined helpers measured 6.3 M requests/s per CPU-second
against 12.1 written out). Every result is the same as ``_kernel.run_kernel``'s, bit for bit:
the same events in the same order, with the same arithmetic
(``tests/simulate/test_fast_path.py`` checks it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from advisor.simulate._heap import NOT_IN_HEAP
from advisor.simulate._kernel import _compact, _route_key, draw_init, ring_size, stats_vector


@njit(cache=True)
def run_fast(  # noqa: PLR0912, PLR0915 - one tight loop on purpose: it is the hot path
    arrival: np.ndarray,
    service: np.ndarray,
    scale: float,
    init_mode: int,
    init_values: np.ndarray,
    keep_alive: float,
    rule: int,
    limit: int,
    seed: int,
    latency: np.ndarray,
    cold: np.ndarray,
    throttled: np.ndarray,
    instance: np.ndarray,
    slot_cap: int,
) -> np.ndarray:
    """``run_kernel`` restricted to the fast path's domain (module docstring); same outputs.

    ``cold`` and ``throttled`` must come in all False; the caller's ``on_prov`` stays False.
    """
    np.random.seed(seed)
    n = arrival.shape[0]
    inf = np.inf
    cap = slot_cap
    ring = ring_size(cap)
    ring_mask = ring - 1
    seq = np.zeros(cap, np.int64)
    created = np.zeros(cap, np.float64)
    key = np.zeros(cap, np.float64)
    exp_at = np.zeros(cap, np.float64)
    epoch = np.zeros(cap, np.int64)
    alive = np.zeros(cap, np.bool_)
    busy_since = np.zeros(cap, np.float64)
    ready_at = np.zeros(cap, np.float64)
    rpos = np.full(cap, NOT_IN_HEAP, np.int64)
    ho = np.zeros(cap, np.int64)  # idle instances, ordered by the routing rule
    kq_t = np.zeros(ring, np.float64)
    kq_slot = np.zeros(ring, np.int64)
    kq_ep = np.zeros(ring, np.int64)
    scratch_t = np.zeros(ring, np.float64)
    scratch_a = np.zeros(ring, np.int64)
    scratch_b = np.zeros(ring, np.int64)
    free = np.zeros(cap, np.int64)
    bt = np.zeros(cap, np.float64)
    bs = np.zeros(cap, np.int64)
    overflow = False
    kq_head = kq_n = 0
    n_ho = n_free = n_busy = 0
    next_slot = 0
    live = max_live = n_created = 0
    n_cold = n_thr = 0
    busy_s = alive_s = 0.0
    start = arrival[0] if n > 0 else 0.0
    end = start
    j = 0
    while True:
        if j >= n and n_busy == 0:
            break
        ta = arrival[j] if j < n else inf
        tc = bt[0] if n_busy > 0 else inf
        # an expiry entry is stale once its instance was taken again (its epoch moved on)
        while kq_n > 0 and kq_ep[kq_head] != epoch[kq_slot[kq_head]]:
            kq_head = (kq_head + 1) & ring_mask
            kq_n -= 1
        tk = kq_t[kq_head] if kq_n > 0 else inf
        if tc <= tk and tc <= ta:
            # -------- completion: the instance turns idle
            slot = bs[0]
            # _heap.ev_pop written out (as are the heap operations below): a call that takes
            # arrays costs two atomic reference counts per array, half the kernel's time
            n_busy -= 1
            if n_busy > 0:
                t = bt[n_busy]
                moved = bs[n_busy]
                moved_seq = seq[moved]
                i = 0
                while True:
                    child = 2 * i + 1
                    if child >= n_busy:
                        break
                    right = child + 1
                    if right < n_busy and (
                        bt[right] < bt[child] or (bt[right] == bt[child] and seq[bs[right]] < seq[bs[child]])
                    ):
                        child = right
                    ct = bt[child]
                    if ct > t or (ct == t and seq[bs[child]] >= moved_seq):
                        break
                    bt[i] = ct
                    bs[i] = bs[child]
                    i = child
                bt[i] = t
                bs[i] = moved
            busy_s += tc - busy_since[slot]
            key[slot] = _route_key(rule, tc, seq[slot])
            # _heap.ix_push: sift the new idle instance up
            i = n_ho
            n_ho += 1
            while i > 0:
                parent = (i - 1) >> 1
                other = ho[parent]
                if not (key[slot] > key[other] or (key[slot] == key[other] and seq[slot] > seq[other])):
                    break
                ho[i] = other
                rpos[other] = i
                i = parent
            ho[i] = slot
            rpos[slot] = i
            epoch[slot] += 1
            exp_at[slot] = tc + keep_alive
            if kq_n == ring:
                kq_n = _compact(kq_t, kq_slot, kq_ep, kq_head, ring, epoch, alive, seq, True,
                                scratch_t, scratch_a, scratch_b)
                kq_head = 0
            k = (kq_head + kq_n) & ring_mask
            kq_t[k] = exp_at[slot]
            kq_slot[k] = slot
            kq_ep[k] = epoch[slot]
            kq_n += 1
            continue
        expiry = tk <= ta
        gone = -1
        if expiry:
            gone = kq_slot[kq_head]
            kq_head = (kq_head + 1) & ring_mask
            kq_n -= 1
        elif n_ho > 0:
            gone = ho[0]  # the arrival takes the routing rule's first idle instance
        if gone >= 0:
            # _heap.ix_remove: the last leaf fills the hole, then sifts down and up
            i = rpos[gone]
            rpos[gone] = NOT_IN_HEAP
            n_ho -= 1
            if i != n_ho:
                last = ho[n_ho]
                for phase in range(2):  # phase 0 sifts down, phase 1 up
                    while True:
                        if phase == 0:
                            child = 2 * i + 1
                            if child >= n_ho:
                                break
                            right = child + 1
                            if right < n_ho and (key[ho[right]] > key[ho[child]] or (
                                    key[ho[right]] == key[ho[child]] and seq[ho[right]] > seq[ho[child]])):
                                child = right
                            other = ho[child]
                            if not (key[other] > key[last] or (key[other] == key[last] and seq[other] > seq[last])):
                                break
                        else:
                            if i == 0:
                                break
                            child = (i - 1) >> 1
                            other = ho[child]
                            if not (key[last] > key[other] or (key[last] == key[other] and seq[last] > seq[other])):
                                break
                        ho[i] = other
                        rpos[other] = i
                        i = child
                ho[i] = last
                rpos[last] = i
        if expiry:
            # -------- expiry of an idle instance
            alive_s += tk - created[gone]
            alive[gone] = False
            epoch[gone] += 1
            live -= 1
            free[n_free] = gone
            n_free += 1
            continue
        # -------- arrival of job j
        job = j
        j += 1
        now = ta
        if gone >= 0:
            target = gone
            epoch[target] += 1  # taken while idle: its pending expiry is stale
        elif live < limit:
            if n_free == 0 and next_slot == cap:
                overflow = True
                break
            if n_free > 0:
                n_free -= 1
                target = free[n_free]
            else:
                target = next_slot
                next_slot += 1
            live += 1
            max_live = max(max_live, live)
            seq[target] = n_created
            n_created += 1
            created[target] = now
            alive[target] = True
            ready_at[target] = now + draw_init(init_mode, init_values, job)
            cold[job] = True
            n_cold += 1
        else:
            throttled[job] = True
            latency[job] = np.nan
            instance[job] = -1
            n_thr += 1
            continue
        begin = max(now, ready_at[target])
        finish = begin + service[job] * scale
        latency[job] = finish - now
        instance[job] = seq[target]
        end = max(end, finish)
        busy_since[target] = now
        # _heap.ev_push: sift the completion up
        i = n_busy
        n_busy += 1
        target_seq = seq[target]
        while i > 0:
            parent = (i - 1) >> 1
            pt = bt[parent]
            if pt < finish or (pt == finish and seq[bs[parent]] <= target_seq):
                break
            bt[i] = pt
            bs[i] = bs[parent]
            i = parent
        bt[i] = finish
        bs[i] = target

    # what is still alive is idle now; count it up to the end of the horizon
    for slot in range(next_slot):
        if alive[slot]:
            alive_s += min(exp_at[slot], inf, end) - created[slot]
    return stats_vector(overflow, busy_s, alive_s, 0.0, max_live, n_created, start, end, n_cold, n_thr)
