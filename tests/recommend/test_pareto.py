"""The cost/p95 frontier: no candidate off it beats one on it on both cost and p95."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from advisor.recommend.pareto import frontier

POINTS = st.lists(st.tuples(st.floats(0.01, 1e4), st.one_of(st.none(), st.floats(1.0, 1e6))), max_size=40)


def test_a_dearer_slower_candidate_is_off_the_frontier() -> None:
    assert frontier([(1.0, 900.0), (2.0, 500.0), (3.0, 700.0), (4.0, 100.0), (0.5, None)]) == [0, 1, 3]


@given(POINTS)
def test_the_frontier_is_every_undominated_point_by_ascending_cost(points) -> None:  # type: ignore[no-untyped-def]
    kept = frontier(points)
    costs = [points[i][0] for i in kept]
    assert costs == sorted(costs)
    for i, (cost, p95) in enumerate(points):
        if p95 is None:
            assert i not in kept
            continue
        dominated = any(q is not None and (c, q) != (cost, p95) and c <= cost and q <= p95 for c, q in points)
        tied_earlier = any(j < i and points[j] == (cost, p95) for j in range(len(points)))
        assert (i in kept) == (not dominated and not tied_earlier)
