"""The compiled event loop of the replay engine (numba, cached on disk).

One pass over the jobs in arrival order, merged with three event streams: request completions
(a min-heap), idle-instance expiries (lazy FIFO rings: keep-alive ends come in release order,
lifetime ends in creation order) and provisioned-schedule changes (a sorted array). Idle
instances wait in an indexed heap per kind (provisioned, on-demand) ordered by the routing
rule. Instances live in recycled *slots*; all per-slot state is in flat arrays allocated once
per call (no array is reassigned in the loop, which keeps numba's reference counting out of it).
When the pool outgrows ``slot_cap`` the kernel stops and reports an overflow; the caller runs
it again with twice the slots. Memory follows the peak pool, not the request count.
Ties at one instant are resolved in this order: completions, expiries, schedule changes,
arrivals — a request ending at ``t`` frees its instance for an arrival at ``t``, and an
instance expiring at ``t`` is gone for it (DESIGN.md, "Replay semantics").
The common Lambda-shaped configuration runs ``_fast.run_fast`` instead, with the same results.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from advisor.simulate._heap import NOT_IN_HEAP, ev_pop, ev_push, ix_push, ix_remove, ix_update
from advisor.simulate.routing import LRU, MRU, NEWEST, OLDEST, RANDOM

INIT_CONSTANT, INIT_PER_JOB, INIT_EMPIRICAL = 0, 1, 2
INITIAL_SLOTS = 4096

# Indices of the statistics vector the kernel returns.
(ST_BUSY, ST_ALIVE, ST_PROV_ALIVE, ST_MAX_LIVE, ST_CREATED, ST_START, ST_END, ST_COLD, ST_THROTTLED,
 ST_OVERFLOW) = range(10)
N_STATS = 10


@njit(cache=True)
def ring_size(slot_cap: int) -> int:
    """Entries of an expiry ring: a power of two (index by mask) of at least twice the slots."""
    ring = 1
    while ring < 2 * slot_cap:
        ring *= 2
    return ring


@njit(cache=True)
def stats_vector(overflow, busy_s, alive_s, prov_alive_s, max_live, n_created, start, end, n_cold, n_thr):
    """The statistics vector a kernel returns (``ST_*`` indices)."""
    stats = np.zeros(N_STATS, np.float64)
    stats[ST_OVERFLOW] = overflow
    stats[ST_BUSY] = busy_s
    stats[ST_ALIVE] = alive_s
    stats[ST_PROV_ALIVE] = prov_alive_s
    stats[ST_MAX_LIVE] = max_live
    stats[ST_CREATED] = n_created
    stats[ST_START] = start
    stats[ST_END] = end
    stats[ST_COLD] = n_cold
    stats[ST_THROTTLED] = n_thr
    return stats


@njit(cache=True)
def _compact(t, a, b, head, ring, epoch, alive, seq, by_epoch, st, sa, sb) -> int:
    """Drop the stale entries of a full expiry ring; returns the new count (head becomes 0)."""
    mask = ring - 1
    kept = 0
    for i in range(ring):
        k = (head + i) & mask
        slot = a[k]
        valid = b[k] == epoch[slot] if by_epoch else (alive[slot] and b[k] == seq[slot])
        if valid:
            st[kept] = t[k]
            sa[kept] = slot
            sb[kept] = b[k]
            kept += 1
    t[:kept] = st[:kept]
    a[:kept] = sa[:kept]
    b[:kept] = sb[:kept]
    return kept


@njit(cache=True)
def _route_key(rule: int, t: float, seq: int) -> float:
    if rule == MRU:
        return t
    if rule == LRU:
        return -t
    if rule == NEWEST:
        return float(seq)
    if rule == OLDEST:
        return -float(seq)
    return 0.0


@njit(cache=True)
def _pick(heap: np.ndarray, size: int, rule: int) -> int:
    if rule == RANDOM:
        return heap[np.random.randint(0, size)]
    return heap[0]


@njit(cache=True, inline="always")
def draw_init(init_mode: int, init_values: np.ndarray, job: int) -> float:
    """The init time of job ``job``'s cold start: constant, the job's own, or a seeded draw."""
    if init_mode == INIT_CONSTANT:
        return init_values[0]
    if init_mode == INIT_PER_JOB:
        return init_values[job]
    return init_values[np.random.randint(0, init_values.shape[0])]


@njit(cache=True)
def run_kernel(  # noqa: PLR0912, PLR0915 - one tight loop on purpose: it is the hot path
    arrival: np.ndarray,
    service: np.ndarray,
    scale: float,
    init_mode: int,
    init_values: np.ndarray,
    keep_alive: float,
    max_lifetime: float,
    rule: int,
    limit: int,
    queue: bool,
    per_instance: int,
    sched_t: np.ndarray,
    sched_n: np.ndarray,
    seed: int,
    latency: np.ndarray,
    cold: np.ndarray,
    throttled: np.ndarray,
    instance: np.ndarray,
    on_prov: np.ndarray,
    placed: np.ndarray,
    slot_cap: int,
) -> np.ndarray:
    """Replay ``arrival`` (s) and ``service`` (``service * scale`` s); fill the per-job outputs.

    Returns the statistics vector (``ST_*`` indices). Latency is in seconds, NaN when throttled;
    ``placed`` is when each job got its instance (its arrival, or later when it was queued), so
    ``arrival + latency - placed`` is the time the instance spent on it (init and service).
    """
    np.random.seed(seed)
    n = arrival.shape[0]
    n_sched = sched_t.shape[0]
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
    active = np.zeros(cap, np.int64)
    busy_since = np.zeros(cap, np.float64)
    ready_at = np.zeros(cap, np.float64)
    is_prov = np.zeros(cap, np.bool_)
    rpos = np.full(cap, NOT_IN_HEAP, np.int64)
    hp = np.zeros(cap, np.int64)  # provisioned instances with a free slot
    ho = np.zeros(cap, np.int64)  # on-demand instances with a free slot
    # Expiries are lazy FIFOs: keep-alive expiries come in release order and lifetime ends in
    # creation order, so no heap is needed; an entry is stale once its instance was reused.
    kq_t = np.zeros(ring, np.float64)
    kq_slot = np.zeros(ring, np.int64)
    kq_ep = np.zeros(ring, np.int64)
    lq_t = np.zeros(ring, np.float64)
    lq_slot = np.zeros(ring, np.int64)
    lq_seq = np.zeros(ring, np.int64)
    scratch_t = np.zeros(ring, np.float64)
    scratch_a = np.zeros(ring, np.int64)
    scratch_b = np.zeros(ring, np.int64)
    overflow = False
    kq_head = kq_n = lq_head = lq_n = 0
    free = np.zeros(cap, np.int64)
    bt = np.zeros(cap * per_instance, np.float64)
    bs = np.zeros(cap * per_instance, np.int64)
    n_hp = n_ho = n_free = n_busy = 0
    next_slot = 0
    live = max_live = n_created = 0
    prov_count = prov_excess = 0
    n_cold = n_thr = 0
    qhead = qcount = 0
    busy_s = alive_s = prov_alive_s = 0.0
    start = arrival[0] if n > 0 else 0.0
    end = start
    si = 0
    j = 0
    while True:
        ta = arrival[j] if j < n else inf
        if j >= n and n_busy == 0:
            break
        tc = bt[0] if n_busy > 0 else inf
        tk = kq_t[kq_head] if kq_n > 0 else inf
        tl = lq_t[lq_head] if lq_n > 0 else inf
        te = min(tk, tl)
        ts = sched_t[si] if si < n_sched else inf
        # ---- dispatch of one job to a slot happens in three places; `target`/`job` carry it.
        target = -1
        job = -1
        is_cold = False
        make_prov = False
        now = 0.0
        if tc <= te and tc <= ts and tc <= ta:
            # -------- completion
            slot = bs[0]
            n_busy = ev_pop(bt, bs, n_busy, seq)
            active[slot] -= 1
            if active[slot] == 0:
                busy_s += tc - busy_since[slot]
            past = (not is_prov[slot]) and created[slot] + max_lifetime <= tc
            retire = False
            if active[slot] == 0:
                if is_prov[slot]:
                    if prov_excess > 0:
                        prov_excess -= 1
                        retire = True
                else:
                    retire = past
            if retire:
                if rpos[slot] != NOT_IN_HEAP:
                    if is_prov[slot]:
                        n_hp = ix_remove(hp, rpos, n_hp, slot, key, seq)
                    else:
                        n_ho = ix_remove(ho, rpos, n_ho, slot, key, seq)
                alive_s += tc - created[slot]
                if is_prov[slot]:
                    prov_alive_s += tc - created[slot]
                alive[slot] = False
                epoch[slot] += 1
                live -= 1
                free[n_free] = slot
                n_free += 1
                if qcount > 0 and live < limit:
                    job = qhead
                    qhead += 1
                    qcount -= 1
                    now = tc
                    is_cold = True
                else:
                    continue
            elif past:
                continue  # still serving past its lifetime: retires when the last request ends
            elif qcount > 0:
                job = qhead
                qhead += 1
                qcount -= 1
                target = slot
                now = tc
            else:
                key[slot] = _route_key(rule, tc, seq[slot])
                if is_prov[slot]:
                    if rpos[slot] == NOT_IN_HEAP:
                        n_hp = ix_push(hp, rpos, n_hp, slot, key, seq)
                    else:
                        ix_update(hp, rpos, n_hp, slot, key, seq)
                else:
                    if rpos[slot] == NOT_IN_HEAP:
                        n_ho = ix_push(ho, rpos, n_ho, slot, key, seq)
                    else:
                        ix_update(ho, rpos, n_ho, slot, key, seq)
                    if active[slot] == 0:
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
        elif te <= ts and te <= ta:
            # -------- expiry of an idle on-demand instance (or a stale entry)
            if tk <= tl:
                slot = kq_slot[kq_head]
                valid = kq_ep[kq_head] == epoch[slot]
                kq_head = (kq_head + 1) & ring_mask
                kq_n -= 1
            else:
                slot = lq_slot[lq_head]
                valid = alive[slot] and lq_seq[lq_head] == seq[slot] and active[slot] == 0
                lq_head = (lq_head + 1) & ring_mask
                lq_n -= 1
            if valid:
                n_ho = ix_remove(ho, rpos, n_ho, slot, key, seq)
                alive_s += te - created[slot]
                alive[slot] = False
                epoch[slot] += 1
                live -= 1
                free[n_free] = slot
                n_free += 1
            continue
        elif ts <= ta:
            # -------- provisioned target changes
            want = sched_n[si]
            if prov_count > want:
                while prov_count > want:
                    prov_count -= 1
                    slot = -1
                    for k in range(n_hp):
                        if active[hp[k]] == 0:
                            slot = hp[k]
                            break
                    if slot < 0:
                        prov_excess += 1  # all busy: one retires when its requests end
                        continue
                    n_hp = ix_remove(hp, rpos, n_hp, slot, key, seq)
                    alive_s += ts - created[slot]
                    prov_alive_s += ts - created[slot]
                    alive[slot] = False
                    epoch[slot] += 1
                    live -= 1
                    free[n_free] = slot
                    n_free += 1
                si += 1
                continue
            if prov_count == want:
                si += 1
                continue
            # one more provisioned instance per event, so a queued job can take each one
            prov_count += 1
            if prov_count == want:
                si += 1
            if prov_excess > 0:
                prov_excess -= 1
                continue
            make_prov = True
            now = ts
        else:
            # -------- arrival of job j
            job = j
            j += 1
            now = ta
            if qcount > 0:
                qcount += 1
                continue
            while n_hp > 0 and target < 0:
                target = _pick(hp, n_hp, rule)
            while n_ho > 0 and target < 0:
                cand = _pick(ho, n_ho, rule)
                if active[cand] > 0 and created[cand] + max_lifetime <= ta:
                    # past its lifetime while still serving: takes no more requests
                    n_ho = ix_remove(ho, rpos, n_ho, cand, key, seq)
                    continue
                target = cand
            if target < 0:
                if live < limit:
                    is_cold = True
                elif queue:
                    qhead = job
                    qcount = 1
                    continue
                else:
                    throttled[job] = True
                    latency[job] = np.nan
                    instance[job] = -1
                    n_thr += 1
                    continue
        # -------- place `job` at time `now`: on `target`, or on a new instance when cold
        if is_cold or make_prov:
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
            is_prov[target] = make_prov
            active[target] = 0
            ready_at[target] = now
            alive[target] = True
            if not make_prov and max_lifetime < inf:
                if lq_n == ring:
                    lq_n = _compact(lq_t, lq_slot, lq_seq, lq_head, ring, epoch, alive, seq, False,
                                    scratch_t, scratch_a, scratch_b)
                    lq_head = 0
                k = (lq_head + lq_n) & ring_mask
                lq_t[k] = now + max_lifetime
                lq_slot[k] = target
                lq_seq[k] = seq[target]
                lq_n += 1
        if make_prov:
            # a pre-warmed provisioned instance: idle, or straight to the queue's head
            key[target] = _route_key(rule, now, seq[target])
            n_hp = ix_push(hp, rpos, n_hp, target, key, seq)
            if qcount == 0:
                continue
            job = qhead
            qhead += 1
            qcount -= 1
        elif is_cold:
            ready_at[target] = now + draw_init(init_mode, init_values, job)
            cold[job] = True
            n_cold += 1
        elif active[target] == 0:
            epoch[target] += 1  # taken while idle: its pending expiry is stale
        begin = max(now, ready_at[target])
        finish = begin + service[job] * scale
        latency[job] = finish - arrival[job]
        placed[job] = now
        instance[job] = seq[target]
        on_prov[job] = is_prov[target]
        end = max(end, finish)
        if active[target] == 0:
            busy_since[target] = now
        active[target] += 1
        n_busy = ev_push(bt, bs, n_busy, finish, target, seq)
        if active[target] < per_instance:
            key[target] = _route_key(rule, now, seq[target])
            if is_prov[target]:
                if rpos[target] == NOT_IN_HEAP:
                    n_hp = ix_push(hp, rpos, n_hp, target, key, seq)
                else:
                    ix_update(hp, rpos, n_hp, target, key, seq)
            elif rpos[target] == NOT_IN_HEAP:
                n_ho = ix_push(ho, rpos, n_ho, target, key, seq)
            else:
                ix_update(ho, rpos, n_ho, target, key, seq)
        elif rpos[target] != NOT_IN_HEAP:
            if is_prov[target]:
                n_hp = ix_remove(hp, rpos, n_hp, target, key, seq)
            else:
                n_ho = ix_remove(ho, rpos, n_ho, target, key, seq)

    # what is still alive is idle now; count it up to the end of the horizon
    for slot in range(next_slot):
        if not alive[slot]:
            continue
        if is_prov[slot]:
            alive_s += end - created[slot]
            prov_alive_s += end - created[slot]
        else:
            alive_s += min(exp_at[slot], created[slot] + max_lifetime, end) - created[slot]
    return stats_vector(overflow, busy_s, alive_s, prov_alive_s, max_live, n_created, start, end, n_cold, n_thr)
