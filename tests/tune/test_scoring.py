"""The final pick among the scored sizes."""

from __future__ import annotations

import numpy as np

from advisor.tune.scoring import MATERIAL, Scores


def scores(cost: list[float], excess: list[float], measured: list[int], memory: list[int] | None = None) -> Scores:
    """Scores of sizes 1,000, 1,100, ... MB (or ``memory``), feasible where ``excess`` <= 1."""
    sizes = np.asarray(memory or [1000 + 100 * i for i in range(len(cost))])
    zeros = np.zeros(len(cost))
    excess_array = np.asarray(excess, dtype=float)
    return Scores(architecture="x86_64", memory_mb=sizes, mean_ms=zeros, mean_low_ms=zeros, mean_high_ms=zeros,
                  percentile_ms={}, cost_usd=np.asarray(cost, dtype=float), feasible=excess_array <= 1.0,
                  chance=zeros, gain=zeros, best=0, sla_share=zeros, excess=excess_array, floor_mb=None,
                  form="knee", measured_mb=np.asarray(measured, dtype=float), spread=zeros)


def test_among_sizes_within_the_material_share_of_the_cheapest_the_one_with_most_headroom_is_picked() -> None:
    tie = 1.0 + MATERIAL / 2
    pick = scores([1.0, tie, 1.0 + MATERIAL * 0.9, 1.5], [0.99, 0.9, 0.95, 0.5],
                  measured=[1000, 1100, 1200, 1300]).confined(0.15)
    assert pick.best_memory_mb == 1100  # 0.9 of the limit, at less than the material share more


def test_a_materially_dearer_size_is_not_picked_for_its_headroom() -> None:
    pick = scores([1.0, 1.0 + 2 * MATERIAL], [0.99, 0.5], measured=[1000, 1100]).confined(0.15)
    assert pick.best_memory_mb == 1000


def test_an_infeasible_size_is_never_picked_however_cheap_or_tied() -> None:
    pick = scores([0.5, 1.0, 1.0], [1.01, 0.99, 0.98], measured=[1000, 1100, 1200]).confined(0.15)
    assert pick.best_memory_mb == 1200


def test_the_final_pick_lies_near_a_measured_size() -> None:
    # 2,000 MB is cheaper and has more headroom, but nothing was measured within 0.15 octave of it.
    pick = scores([1.0, 1.01, 0.9], [0.99, 0.98, 0.5], measured=[1000, 1100], memory=[1000, 1100, 2000]).confined(0.15)
    assert pick.best_memory_mb == 1100
