"""advisor tune against the Power Tuning procedure, on virtual functions with real curves.

Each case is a virtual function (``bench/virtual_function.py``, a plugin Target loaded the way
the CLI loads one) whose true mean duration against memory is a real measured curve,
interpolated (log-log) between its measured sizes; the tuning space is the curve's measured
range in 1 MB steps. Invocations scatter log-normally (sigma 0.1) with 2% outliers x U(1.5, 3).
The SLA is a p95 limit that binds in half the cases (it lies between the true p95 at the
unconstrained optimum and the fastest size's) and leaves the optimum free in the others. The
true optimum is computed exactly at 1 MB steps from the true curve and the true noise.

The curves are bench/_curves.py's (the duration model's bench): ``public-curves`` (15 curves
from public benchmarks, mostly CPU-bound) and ``mbwilding-s3`` (I/O-bound: 4 runtimes x 2
architectures), both from ``../shared/data/lambda-measurements``, and ``local-ml`` (inference
handlers measured through the local target) when ``bench/data/curves/local_ml.csv`` exists.
Cases follow that bench's split (whole groups of sibling curves, seeded, fixed before any
model change): development curves choose the sampler and the thresholds, the held-out ones
give the figures quoted in docs/tune.md.

Printed per family, for advisor (each sampler asked for) and Power Tuning: invocations per
tuning, mean and p90 cost regret against the true optimum, the share within 2%, and the
SLA-violation rate (the true p95 of the recommended size above the SLA).

With ``--oracle 0.5,0.7,0.8,0.9,0.95`` each case is also tuned by the oracle of
``bench/oracle.py`` (the true curve's shape known, only its level unknown, estimated from as
many invocations of the same noise as advisor made on the case) at each one-sided confidence
level, and a table gives its regret and violations per split, family and free / binding SLA:
the least regret any tuner could reach with those invocations. ``--upper`` and ``--tie`` set
the tuner's feasibility level and near-tie share for one run (to choose them on development).

Usage: .venv/bin/python bench/bench_tune.py [--split held-out|development|all]
       [--samplers posterior,tpe,gp] [--design anchored|quantiles] [--slas 4] [--seed 0] [--workers 2]
       [--oracle 0.5,0.7,0.8,0.9,0.95] [--upper 0.95] [--tie 0.02]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import _curves  # noqa: E402
from oracle import oracle_picks  # noqa: E402
from powertuning import power_tune  # noqa: E402
from virtual_function import true_noise  # noqa: E402

from advisor.models import design  # noqa: E402
from advisor.pricing import PriceCatalog  # noqa: E402
from advisor.sla import Objective, Sla  # noqa: E402
from advisor.targets import load_target  # noqa: E402
from advisor.tune import Budgets, MemorySpace, SearchSpace, TuneSettings, levels, scoring, stopping, tune  # noqa: E402
from advisor.tune.scoring import InvocationPrice  # noqa: E402

FAMILY_NAMES = {"public": "public-curves", "io": "mbwilding-s3", "local": "local-ml"}
PERCENTILE = 95.0
WITHIN = 0.02
TARGET_SPEC = "virtual_function:VirtualFunction"
#: A binding SLA leaves the fastest size at least this much headroom: a limit within a few
#: percent of the fastest achievable p95 asks which of many near-equal sizes is fastest, not
#: which is cheapest.
HEADROOM = 1.1
#: The oracle's invocations for a case no sampler tuned (``--samplers`` empty): about what advisor
#: spends on the held-out cases (18.1 on average, docs/tune.md).
ORACLE_INVOCATIONS = 20


@dataclass(frozen=True)
class Curve:
    family: str
    name: str
    sizes: tuple[int, ...]
    durations: tuple[float, ...]
    split: str


@dataclass(frozen=True)
class Case:
    curve: Curve
    sla_ms: float
    binding: bool
    seed: int
    split: str


def load_curves() -> list[Curve]:
    """Every real curve of bench/_curves.py (the models' bench: same curves, same split)."""
    curves = _curves.load_curves()
    parts = _curves.split(curves)
    return [Curve(FAMILY_NAMES[c.family], c.name, tuple(int(m) for m in c.truth.index),
                  tuple(float(v) for v in c.truth.to_numpy()),
                  "development" if parts[c.group] == "dev" else "held-out") for c in curves]


class Truth:
    """The true figures of one curve at every size (1 MB steps)."""

    def __init__(self, curve: Curve, noise: np.ndarray, price: InvocationPrice) -> None:
        self.memory = np.arange(curve.sizes[0], curve.sizes[-1] + 1)
        self.shape = np.exp(np.interp(np.log(self.memory), np.log(curve.sizes), np.log(curve.durations)))
        self.mean_factor = float(noise.mean())
        self.p95_factor = float(np.quantile(noise, PERCENTILE / 100.0))
        self.mean = self.shape * self.mean_factor
        self.p95 = self.shape * self.p95_factor
        self.cost = price.cost(self.memory, self.mean)

    def optimum(self, sla_ms: float) -> int | None:
        ok = self.p95 <= sla_ms
        if not ok.any():
            return None
        return int(np.flatnonzero(ok)[np.argmin(self.cost[ok])])

    def at(self, memory_mb: int) -> int:
        return int(memory_mb - self.memory[0])


def make_cases(curves: list[Curve], truths: dict[str, Truth], per_curve: int, seed: int) -> list[Case]:
    """``per_curve`` cases per curve, alternately binding and free SLAs.

    A binding limit lies log-uniformly between :data:`HEADROOM` x the fastest size's true p95
    and the free optimum's p95; a curve whose free optimum is within 1.2 x HEADROOM of its
    fastest size (a flat curve: no memory buys much speed) gets free SLAs only. A free limit is
    the free optimum's p95 x U(1.05, 2).
    """
    rng = np.random.default_rng(seed)
    cases = []
    for curve in curves:
        truth = truths[curve.name]
        free = int(np.argmin(truth.cost))
        fastest = float(truth.p95.min())
        split = curve.split
        for k in range(per_curve):
            binding = k % 2 == 0 and truth.p95[free] > fastest * HEADROOM * 1.2
            if binding:
                sla = float(np.exp(rng.uniform(np.log(fastest * HEADROOM), np.log(truth.p95[free]))))
            else:
                sla = float(truth.p95[free] * rng.uniform(1.05, 2.0))
            cases.append(Case(curve, sla, binding, int(rng.integers(2**31)), split))
    return cases


def run_case(args: tuple[Case, tuple[str, ...], dict[str, int], tuple[float, ...], int]) -> list[dict[str, object]]:
    """Tune one case with each sampler, with Power Tuning and ``repeats`` times with the oracle at
    each level of ``oracle`` (as many invocations as the first sampler made); one row per method
    and repeat."""
    case, samplers, options, oracle, repeats = args
    price = InvocationPrice.of(PriceCatalog.bundled(), "us-east-1", "x86_64")
    truth = Truth(case.curve, NOISE, price)
    best = truth.optimum(case.sla_ms)
    assert best is not None
    sla = Sla((Objective(PERCENTILE, case.sla_ms),))
    target_class = load_target(TARGET_SPEC)
    rows = []
    space = SearchSpace(MemorySpace(case.curve.sizes[0], case.curve.sizes[-1]))
    for sampler in samplers:
        target = target_class(list(case.curve.sizes), list(case.curve.durations), seed=case.seed)
        settings = TuneSettings(case.curve.name, sla, space=space, budgets=Budgets(invocations=20),
                                seed=case.seed % 1000, sampler=sampler, **options)
        started = time.perf_counter()
        result = tune(target, settings)
        chosen = result.memory_mb if result.memory_mb is not None else case.curve.sizes[-1]
        rows.append(_row(case, truth, best, f"advisor-{sampler}", chosen, result.invocations,
                         time.perf_counter() - started, result.stopped_because))
    target = target_class(list(case.curve.sizes), list(case.curve.durations), seed=case.seed)
    started = time.perf_counter()
    pt = power_tune(target, sla=sla, low=case.curve.sizes[0], high=case.curve.sizes[-1],
                    cost=lambda m, d: float(price.cost(np.array([m]), np.array([d]))[0]))
    rows.append(_row(case, truth, best, "power-tuning", pt.memory_mb, pt.invocations,
                     time.perf_counter() - started, "grid"))
    spent = int(rows[0]["invocations"]) if samplers else ORACLE_INVOCATIONS  # type: ignore[call-overload]
    for repeat in range(repeats if oracle else 0):
        # Repeat 0 draws the noise advisor's invocations drew; the others, fresh noise.
        target = target_class(list(case.curve.sizes), list(case.curve.durations), seed=case.seed + repeat)
        picks = oracle_picks(target, memory_mb=truth.memory, shape_ms=truth.shape, p95_factor=truth.p95_factor,
                             mean_factor=truth.mean_factor, sla_ms=case.sla_ms, invocations=spent, levels=oracle,
                             cost=price.cost)
        rows.extend(_row(case, truth, best, f"oracle-c{level:.2f}", chosen, spent, 0.0, "oracle")
                    for level, chosen in picks.items())
    return rows


def _row(case: Case, truth: Truth, best: int, method: str, chosen: int, invocations: int,
         seconds: float, stopped: str) -> dict[str, object]:
    i = truth.at(chosen)
    return {"family": case.curve.family, "curve": case.curve.name, "split": case.split,
            "binding": case.binding, "sla_ms": case.sla_ms, "seed": case.seed, "method": method, "memory_mb": chosen,
            "optimum_mb": int(truth.memory[best]), "invocations": invocations,
            "regret": float(truth.cost[i] / truth.cost[best] - 1.0),
            "violated": bool(truth.p95[i] > case.sla_ms * (1 + 1e-9)), "seconds": seconds, "stopped": stopped}


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per family and method: the issue's figures."""
    def figures(g: pd.DataFrame) -> pd.Series:
        return pd.Series({
            "cases": len(g), "invocations": g["invocations"].mean(),
            "mean_regret_%": 100 * g["regret"].mean(), "p90_regret_%": 100 * g["regret"].quantile(0.9),
            "within_2%_%": 100 * (g["regret"] <= WITHIN).mean(), "sla_violated_%": 100 * g["violated"].mean(),
            "s_per_case": g["seconds"].mean(),
        })
    per_family = rows.groupby(["family", "method"]).apply(figures, include_groups=False)
    overall = rows.groupby("method").apply(figures, include_groups=False)
    overall.index = pd.MultiIndex.from_product([["all"], overall.index], names=["family", "method"])
    return pd.concat([per_family, overall]).round(2)


def oracle_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The oracle's mean regret / p90 regret / violations (%) per split, family and free /
    binding SLA, a column per confidence level, and advisor's first sampler beside them."""
    first = sorted(m for m in rows["method"].unique() if m.startswith("advisor-"))[:1]
    cases = rows.drop_duplicates(["curve", "sla_ms"]).assign(sla=lambda r: np.where(r["binding"], "binding", "free"))
    cases = pd.concat([cases, cases.assign(family="all")])
    counts = pd.concat([cases, cases.assign(sla="both")]).groupby(["split", "family", "sla"]).size()
    rows = rows[rows["method"].str.startswith("oracle-") | rows["method"].isin(first)]
    rows = rows.assign(sla=np.where(rows["binding"], "binding", "free"))
    every = pd.concat([rows, rows.assign(family="all")])
    every = pd.concat([every, every.assign(sla="both")])
    grouped = every.groupby(["split", "family", "sla", "method"])
    cells = (grouped["regret"].mean().mul(100).map("{:.1f}".format) + " / "
             + grouped["regret"].quantile(0.9).mul(100).map("{:.1f}".format) + " / "
             + grouped["violated"].mean().mul(100).map("{:.1f}".format))
    table = cells.unstack("method")
    table.insert(0, "cases", counts)
    return table


def _set_levels(upper: float | None, tie: float | None) -> None:
    """Set the tuner's feasibility level and near-tie share for this run (the workers are forked
    after this). The settled rule's share of draws keeps its gap below the level: at or above it,
    a recommendation could never settle."""
    if upper is not None:
        gap = levels.UPPER - stopping.CONFIDENT
        scoring.UPPER = upper  # type: ignore[misc]
        stopping.CONFIDENT = min(stopping.CONFIDENT, upper - gap)  # type: ignore[misc]
    if tie is not None:
        scoring.TIE = tie  # type: ignore[misc]


NOISE = true_noise()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="held-out", choices=("held-out", "development", "all"))
    parser.add_argument("--samplers", default="posterior", help="comma-separated: posterior,tpe,gp")
    parser.add_argument("--slas", type=int, default=4, help="cases (SLAs) per curve")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-trial", type=int, default=None, help="invocations per trial (default: the engine's)")
    parser.add_argument("--csv", type=Path, help="write every case's rows here")
    parser.add_argument("--design", choices=tuple(design.DESIGNS), default=design.DESIGN,
                        help="the initial design (advisor.models.design; default: the chosen one)")
    parser.add_argument("--oracle", default="", help="comma-separated one-sided levels of the oracle tuner")
    parser.add_argument("--oracle-repeats", type=int, default=20,
                        help="noise draws per case for the oracle (the first is advisor's own)")
    parser.add_argument("--upper", type=float, help="the feasibility check's one-sided level (default levels.UPPER)")
    parser.add_argument("--tie", type=float, help="the final pick's near-tie share (default scoring.MATERIAL)")
    args = parser.parse_args()
    design.DESIGN = args.design  # the workers are forked after this: every tuning uses it
    _set_levels(args.upper, args.tie)
    oracle = tuple(float(c) for c in args.oracle.split(",") if c.strip())
    samplers = tuple(s.strip() for s in args.samplers.split(",") if s.strip())
    options = {} if args.per_trial is None else {"invocations_per_trial": args.per_trial}
    curves = load_curves()
    price = InvocationPrice.of(PriceCatalog.bundled(), "us-east-1", "x86_64")
    truths = {c.name: Truth(c, NOISE, price) for c in curves}
    cases = [c for c in make_cases(curves, truths, args.slas, args.seed) if args.split in ("all", c.split)]
    print(f"{len(cases)} cases ({args.split}) from {len(curves)} curves; samplers {', '.join(samplers)}; "
          f"initial design {args.design}; upper {scoring.UPPER}, tie {scoring.TIE}", flush=True)
    rows: list[dict[str, object]] = []
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        work = [(c, samplers, options, oracle, args.oracle_repeats) for c in cases]
        for i, out in enumerate(pool.imap_unordered(run_case, work), 1):
            rows.extend(out)
            if i % 10 == 0 or i == len(cases):
                print(f"  {i}/{len(cases)} cases, {time.perf_counter() - started:.0f} s", flush=True)
    every = pd.DataFrame(rows)
    if args.csv:
        every.to_csv(args.csv, index=False)
    frame = every[~every["method"].str.startswith("oracle-")]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(summarise(frame).to_string())
        by_binding = frame.groupby(["method", "binding"])[["regret", "violated"]].mean().mul(100).round(2)
        print("\nby whether the SLA binds (mean regret %, violated %):")
        print(by_binding.to_string())
        if oracle:
            print("\noracle (shape known, level estimated from advisor's invocation count), by one-sided level; "
                  "mean regret / p90 regret / SLA violated, %:")
            print(oracle_table(every).to_string())


if __name__ == "__main__":
    main()
