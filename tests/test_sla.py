"""The SLA syntax (``p95=2s``, ``p50=300ms,p99=2s``) and the rule that checks it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import UsageError
from advisor.sla import Objective, Sla


def test_objectives_are_read_in_the_one_duration_syntax_and_sorted() -> None:
    sla = Sla.parse("p99=2s, p50=300ms")
    assert sla.objectives == (Objective(50.0, 300.0), Objective(99.0, 2000.0))
    assert str(sla) == "p50=300ms,p99=2s"
    assert Sla.parse("p99.9=1m30s").objectives == (Objective(99.9, 90_000.0),)


@pytest.mark.parametrize(("text", "named"), [
    ("p95", "part 'p95' is not pXX=T"), ("p95=2", "has no unit"), ("p0=1s", "above p0"),
    ("p100=1s", "below p100"), ("p95=0s", "must be a time above 0"), ("p95=1s,p95=2s", "gives p95 twice"),
    ("", "holds no objective"), ("p95=inf", "must be a finite duration"), ("q95=1s", "is not pXX=T"),
])
def test_bad_slas_are_usage_errors_naming_the_part(text: str, named: str) -> None:
    with pytest.raises(UsageError, match=named):
        Sla.parse(text)


def test_throttled_requests_violate_the_sla() -> None:
    sla = Sla.parse("p95=1s")
    served = np.full(100, 500.0)
    assert sla.met_by(served)
    with_throttles = served.copy()
    with_throttles[:6] = np.inf  # 6% throttled: the 95th percentile is a violation
    assert not sla.met_by(with_throttles)
    assert not sla.met_by(np.where(np.arange(100) < 6, np.nan, served))


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=200), st.floats(1, 99), st.floats(0, 1e6))
def test_an_objective_holds_exactly_when_that_percentile_is_within_the_limit(latencies, percentile, limit) -> None:
    values = np.array(latencies)
    expected = np.percentile(values, percentile, method="higher") <= limit
    assert Objective(percentile, limit).met_by(values) == expected
