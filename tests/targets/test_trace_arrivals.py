"""Reading a trace's arrival times for ``advisor local replay``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import InputError, NotFoundError
from advisor.targets.traffic import peak_concurrency, read_arrivals

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "traces" / "azure2021_arrivals.csv"


def test_the_bundled_azure_trace_has_199_arrivals_over_twenty_minutes():
    arrivals = read_arrivals(EXAMPLE)
    assert len(arrivals) == 199
    assert arrivals[0] == 0.0
    assert arrivals[-1] == pytest.approx(1200.0147980537415 - 0.0014909000396728517, abs=1e-5)


def test_iso_times_with_zones_become_seconds_from_the_first(tmp_path):
    trace = tmp_path / "t.csv"
    trace.write_text("timestamp,duration_ms,extra\n2026-01-01T00:00:02.5Z,10,a\n"
                     "2026-01-01T01:00:00+01:00,10,b\n2026-01-01T00:01:00Z,5,c\n")
    assert read_arrivals(trace).tolist() == [0.0, 2.5, 60.0]


@given(st.lists(st.floats(1e9, 2e9, allow_nan=False), min_size=1, max_size=50))
def test_epoch_seconds_are_sorted_offsets_from_the_first_arrival(tmp_path_factory, stamps):
    trace = tmp_path_factory.mktemp("trace") / "t.csv"
    trace.write_text("timestamp\n" + "\n".join(repr(s) for s in stamps) + "\n")
    arrivals = read_arrivals(trace)
    expected = np.sort(np.array(stamps)) - min(stamps)
    np.testing.assert_allclose(arrivals, expected, atol=1e-6)


def test_a_trace_without_a_timestamp_column_is_refused_listing_its_columns(tmp_path):
    trace = tmp_path / "t.csv"
    trace.write_text("time,duration_ms\n1,2\n")
    with pytest.raises(InputError, match="has no 'timestamp' column .it has: time, duration_ms"):
        read_arrivals(trace)


def test_a_missing_trace_is_not_found(tmp_path):
    with pytest.raises(NotFoundError):
        read_arrivals(tmp_path / "missing.csv")


def _at(*spans):
    base = pd.Timestamp("2026-01-01", tz="UTC")
    return [{"start_time": base + pd.Timedelta(seconds=a), "end_time": base + pd.Timedelta(seconds=b)}
            for a, b in spans]


@pytest.mark.parametrize(("spans", "peak"), [
    ([], 0),
    ([(0, 1)], 1),
    ([(0, 1), (1, 2)], 1),          # one ends as the next starts: never two at once
    ([(0, 2), (1, 3), (1.5, 4)], 3),
    ([(0, 5), (1, 2), (3, 4)], 2),
])
def test_peak_concurrency_counts_overlapping_invocations(spans, peak):
    assert peak_concurrency(_at(*spans)) == peak
