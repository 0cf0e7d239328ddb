"""A chosen keep-warm setting, replayed by ``advisor replay`` with its options, gives the same figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from advisor.platform.aws_lambda import HOURS_PER_MONTH
from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import read_trace_file
from advisor.sla import Sla
from advisor.tune.keepwarm import cheapest_keep_warm
from advisor.units import SECONDS_PER_HOUR

CATALOG = PriceCatalog.bundled()
INIT_MS = 2500.0
MEMORY_MB = 1536
#: Busy 09:00-17:00 UTC (about six requests in flight), a few requests at night.
DIURNAL = [1 / 600] * 9 + [0.2] * 8 + [1 / 600] * 7


@pytest.mark.parametrize("kind", ["none", "provisioned", "schedule", "pings"])
def test_the_chosen_setting_replays_to_the_same_cold_starts_and_cost(cli, make_trace, tmp_path: Path, kind) -> None:
    path = tmp_path / "diurnal.csv"
    synthetic = make_trace(DIURNAL, seed=3)
    durations = np.random.default_rng(3).lognormal(np.log(30_000.0), 0.2, len(synthetic))
    lines = [f"{t:.9f},{d:.3f}" for t, d in zip(synthetic.arrivals_s, durations, strict=True)]
    path.write_text("timestamp,duration_ms\n" + "\n".join(lines) + "\n")
    trace = read_trace_file(path)
    n = len(trace)
    choice = cheapest_keep_warm(
        trace, memory_mb=MEMORY_MB, architecture="x86_64", warm_ms=trace.service_ms, init_ms=np.full(n, INIT_MS),
        warm_ms_upper=trace.service_ms * 1.1, init_ms_upper=np.full(n, INIT_MS * 1.1), sla=Sla.parse("p99=60s"),
        strategies=(kind,), catalog=CATALOG, region="us-east-1")
    assert choice.keep_warm.kind == kind and choice.feasible
    options = choice.keep_warm.replay_options()
    out = cli("replay", "--trace", path, "--memory", str(MEMORY_MB), "--init-ms", str(INIT_MS), *options, "--json")
    assert out.exit_code == 0, out.stderr
    replayed = json.loads(out.stdout)
    assert choice.cold_start_fraction is not None
    assert replayed["cold_starts"] == round(choice.cold_start_fraction * n)
    assert replayed["latency_ms"]["p50"] == choice.latency_ms["p50"]
    assert replayed["latency_ms"]["p99"] == choice.latency_ms["p99"]
    cost = {key.removesuffix("_usd"): float(value) for key, value in replayed["cost_usd"].items()}
    # the month is the replayed period (its horizon, alive instance-seconds over mean instances) scaled
    alive_s = replayed["instance_seconds"]["busy"] + replayed["instance_seconds"]["idle"]
    scale = HOURS_PER_MONTH * SECONDS_PER_HOUR * replayed["instances"]["mean"] / alive_s
    span = float(trace.arrivals_s[-1] - trace.arrivals_s[0])
    assert scale == pytest.approx(HOURS_PER_MONTH * SECONDS_PER_HOUR / span, rel=1e-3)
    part = choice.breakdown
    # first tier, no free tier: the invocations' month is theirs scaled; the pings are invocations too
    assert part["compute"] + part["requests"] + part["pings"] == pytest.approx(
        (cost["compute"] + cost["requests"]) * scale, rel=1e-5)
    # provisioned time is billed in 5-minute steps, of the period in one case and of the month in the other
    assert part["provisioned"] == pytest.approx(cost["provisioned"] * scale, rel=1e-3)
    assert choice.monthly_cost_usd == pytest.approx(cost["total"] * scale, rel=1e-3)
    assert (part["provisioned"] > 0) == (kind in ("provisioned", "schedule"))
    assert (part["pings"] > 0) == (kind == "pings")
