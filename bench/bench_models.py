"""Duration-model accuracy on real Lambda measurements, and fit time.

First, the issue-13 figures: every real multi-memory curve (``bench/_curves.py``: the 15
public curves with seeded lognormal samples around each published value, the 8 mbwilding
runtime/architectures with their real invocations, and the ML inference curves measured
through the local target in bench/data/curves/), split into development and held-out curves
by whole groups (seed 13, fixed before the model was changed). Each curve is fitted on 5
invocations at each of three sizes (the design of the curve's measured range, snapped to its measured
sizes) and scored at its other sizes: MAPE of the predicted mean against the measured mean,
coverage of held-out invocations by the 90% interval, and the naive ``a + b/min(m, 1769)``
fitted to the same three means. Per family (public, io, local) and part (dev, held-out,
all), for the initial design of :mod:`advisor.models.design` (the one ``advisor tune`` and
``bench/bench_tune.py`` use: :func:`~advisor.models.design.initial_sizes` of each curve's range),
the other rule of :data:`~advisor.models.design.DESIGNS`, and the fixed sizes of
:data:`advisor.models.design.OTHER_DESIGNS`; then the fit time of 3 sizes x 5
invocations. Targets (issue 13): MAPE <= 10%, coverage 80-97%.

Then the issue-5 figures. Data: ../shared/data/lambda-measurements/mbwilding-s3-benchmark (real AWS Lambda, 500 S3
PutObject calls per invocation, 4 runtimes x 2 architectures x 16 memory sizes x ~10 runs;
MIT, see its PROVENANCE.md). For each runtime and architecture the models are fitted on the
invocations at three memory sizes and scored at the other thirteen:

- MAPE: mean absolute percentage error of the predicted mean duration per held-out size;
- coverage: fraction of held-out invocations inside their size's 90% prediction interval.

It also times the fit of 1,000 samples and what ``advisor model fit`` computes
(:func:`advisor.models.summary.summarize`) on the real measurements.

Targets (issue 5): MAPE <= 10%, coverage in [80%, 97%]. The same evaluation code
(:func:`advisor.models.evaluation.evaluate_holdout`) backs ``tests/models/test_holdout_targets.py``.

Usage: [ADVISOR_SHARED_DATA=../shared/data] .venv/bin/python bench/bench_models.py [--train 256,1024,2048] [--repeats 5] [--seeds 5]
       [--per-curve] [--learn-prior] [--curves-only]

``--train`` may be given several times (e.g. ``--train 256,1024,2048 --train 512,1280,2048``)
to check that a change to the models holds on other training sets, not just the default one;
``--seeds N`` scores them with random states 0..N-1 too (bootstrap and predictive draws vary
with it) and prints the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _curves import FAMILIES, Curve, load_curves, score, split

from advisor.models import ColdStartModel, DurationModel
from advisor.models.design import ANCHORS, DESIGN, DESIGNS, OTHER_DESIGNS, initial_sizes
from advisor.models.duration import DURATION_FORMS
from advisor.models.evaluation import evaluate_holdout, load_mbwilding
from advisor.models.forms import FORMS, KNEE_GRID, fit_form
from advisor.models.summary import summarize
from advisor.pricing import PriceCatalog

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ADVISOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
DATA = SHARED / "lambda-measurements/mbwilding-s3-benchmark/lambda_benchmark_results.csv"
FIT_SAMPLES = 1000
PARTS = ("dev", "held-out", "all")


def curve_scores(curves: list[Curve], parts: dict[str, str], design: tuple[int, ...] | str,
                 form: str = "average") -> pd.DataFrame:
    """One row per curve: its family, part, training sizes, MAPE, coverage, naive MAPE, fit s.

    ``design``: fixed sizes, or the name of a rule of :data:`DESIGNS` applied to each curve's
    measured range (as the tuner applies it to its ``--memory`` range).
    """
    rows = []
    for curve in curves:
        sizes = [int(m) for m in curve.truth.index]
        sizes_of = initial_sizes(sizes[0], sizes[-1], sizes, design=design) if isinstance(design, str) else design
        result = score(curve, sizes_of, lambda: DurationModel(form=form))
        rows.append({"family": curve.family, "part": parts[curve.group], "curve": curve.name,
                     "train_mb": "/".join(map(str, result.train_mb)), "knee": result.knee,
                     "mape_%": result.mape, "coverage_90": result.coverage,
                     "naive_mape_%": result.naive_mape, "fit_s": result.fit_s})
    return pd.DataFrame(rows)


def family_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Per family (and all families) and part: curves, MAPE mean/median, coverage, naive, fit time."""
    rows = []
    for family in (*FAMILIES, "all"):
        for part in PARTS:
            chosen = scores[((scores["family"] == family) | (family == "all"))
                            & ((scores["part"] == part) | (part == "all"))]
            if chosen.empty:
                continue
            rows.append({
                "family": family, "part": part, "curves": len(chosen),
                "mape_mean_%": chosen["mape_%"].mean(), "mape_median_%": chosen["mape_%"].median(),
                "coverage_mean": chosen["coverage_90"].mean(),
                "coverage_ok": f"{int(chosen['coverage_90'].between(0.80, 0.97).sum())}/{len(chosen)}",
                "naive_mean_%": chosen["naive_mape_%"].mean(),
                "naive_median_%": chosen["naive_mape_%"].median(),
                "fit_median_ms": 1000 * chosen["fit_s"].median(),
            })
    return pd.DataFrame(rows).round(2)


def print_curve_figures(per_curve: bool, form: str = "average") -> None:
    """The issue-13 figures for the default design and the other designs."""
    curves = load_curves()
    parts = split(curves)
    print("Split (whole groups held out, seed 13): held-out = "
          + ", ".join(sorted({c.name for c in curves if parts[c.group] == "held-out"})) + "\n")
    others = [name for name in DESIGNS if name != DESIGN]
    for design in (DESIGN, *others, ANCHORS, *OTHER_DESIGNS):
        scores = curve_scores(curves, parts, design, form)
        if isinstance(design, str):
            full = "/".join(map(str, initial_sizes(128, 10240, design=design)))
            label = (f"the {design!r} rule ({full} MB over 128-10,240; each curve's range)"
                     + (": advisor.models.design.DESIGN, what advisor tune measures first" if design == DESIGN else ""))
        else:
            label = "/".join(map(str, design)) + " MB"
        print(f"Design {label}: fit on 5 invocations at each of 3 sizes, predict the others")
        print(family_table(scores).to_string(index=False) + "\n")
        if per_curve and design == DESIGN:
            print(scores.drop(columns="fit_s").round(3).to_string(index=False) + "\n")


def print_knee_counts() -> None:
    """Best-fitting knee of every development curve on all its sizes (the prior's counts)."""
    curves = load_curves()
    parts = split(curves)
    counts = dict.fromkeys(KNEE_GRID, 0)
    for curve in curves:
        if parts[curve.group] != "dev":
            continue
        memory = curve.truth.index.to_numpy(float)
        mean = curve.truth.to_numpy()
        errors = []
        for knee in KNEE_GRID:
            fit = fit_form(FORMS["knee"], memory, mean, 1.0 / mean, grid=(knee,))
            errors.append(float(np.sqrt(np.mean((fit.predict(memory) / mean - 1.0) ** 2))))
        best = KNEE_GRID[int(np.argmin(errors))]
        counts[best] += 1
        print(f"  {curve.name}: best knee {best} vCPU")
    print("counts per knee " + ", ".join(f"{k}: {n}" for k, n in counts.items())
          + "; prior = counts + 1\n")


def _fit_seconds(memory: np.ndarray, floor_ms: float, repeats: int) -> list[float]:
    """Wall time of DurationModel().fit on a single-threaded curve sampled at ``memory``."""
    rng = np.random.default_rng(0)
    single_threaded = floor_ms + 3000.0 / np.minimum(memory / 1769.0, 1.0)
    duration = single_threaded * rng.lognormal(0, 0.1, len(memory))
    frame = pd.DataFrame({"memory_mb": memory})
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        DurationModel().fit(frame, duration)
        times.append(time.perf_counter() - start)
    return times


def three_size_fit_seconds(repeats: int) -> list[float]:
    """Wall time of DurationModel().fit on 3 sizes x 5 invocations (what the tuner refits)."""
    return _fit_seconds(np.repeat([256.0, 1769.0, 3008.0], 5), 100.0, repeats)


def fit_seconds(repeats: int) -> list[float]:
    """Wall time of DurationModel().fit on 1,000 samples at 7 sizes, ``repeats`` times."""
    rng = np.random.default_rng(0)
    memory = rng.choice([128, 256, 512, 1024, 1769, 3008, 10240], FIT_SAMPLES).astype(float)
    return _fit_seconds(memory, 200.0, repeats)


def accuracy_table(samples: pd.DataFrame, train: list[int], seed: int = 0) -> pd.DataFrame:
    """One row per runtime/architecture: chosen form, MAPE and coverage (duration and init)."""
    rows = []
    for (runtime, arch), group in samples.groupby(["runtime", "arch"]):
        duration = evaluate_holdout(group, train, model=DurationModel(random_state=seed))
        init = evaluate_holdout(
            group, train, target="init_ms", model=ColdStartModel(random_state=seed)
        )
        rows.append(
            {
                "runtime": runtime,
                "arch": arch,
                "form": duration.form,
                "mape_%": round(duration.mape, 1),
                "coverage_90": round(duration.coverage, 2),
                "init_form": init.form,
                "init_mape_%": round(init.mape, 1),
                "init_coverage_90": round(init.coverage, 2),
            }
        )
    return pd.DataFrame(rows)


def form_table(samples: pd.DataFrame, train: list[int]) -> pd.DataFrame:
    """Per runtime/architecture and form: hold-out MAPE (fit on ``train``) and LOMO CV on all sizes."""
    rows = []
    for (runtime, arch), group in samples.groupby(["runtime", "arch"]):
        row: dict[str, object] = {"runtime": runtime, "arch": arch}
        full = DurationModel(form="auto", n_bootstrap=1).fit(group[["memory_mb"]], group["duration_ms"])
        for form in DURATION_FORMS:
            holdout = evaluate_holdout(group, train, model=DurationModel(form=form, n_bootstrap=1))
            row[f"{form}_holdout_%"] = round(holdout.mape, 1)
            row[f"{form}_cv16_%"] = round(full.cv_results_[form].mape, 1)
        rows.append(row)
    return pd.DataFrame(rows)


def summarize_seconds(samples: pd.DataFrame, repeats: int) -> dict[str, list[float]]:
    """Wall time of what ``advisor model fit`` computes (:func:`summarize`: both models, the
    predictions, the chart curve) on python311/arm64, at the default training sizes and at all
    16 sizes, ``repeats`` times each."""
    group = samples[(samples["runtime"] == "python311") & (samples["arch"] == "arm64")]
    tables = {
        "3 sizes": group[group["memory_mb"].isin([256, 1024, 2048])],
        "16 sizes": group,
    }
    times: dict[str, list[float]] = {}
    for name, table in tables.items():
        columns = table[["memory_mb", "duration_ms", "init_ms", "max_memory_used_mb"]]
        times[name] = []
        for _ in range(repeats):
            start = time.perf_counter()
            summarize(columns, arch="arm64", catalog=PriceCatalog.bundled())
            times[name].append(time.perf_counter() - start)
    return times


def print_accuracy(samples: pd.DataFrame, train: list[int]) -> None:
    """Print the accuracy table for one training set and how many groups meet the targets."""
    table = accuracy_table(samples, train)
    print(f"Fit on {train} MB, predict the other {samples['memory_mb'].nunique() - len(train)} sizes")
    print(table.to_string(index=False))
    inside = table["coverage_90"].between(0.80, 0.97)
    print(f"MAPE <= 10%: {int((table['mape_%'] <= 10).sum())}/{len(table)};  "
          f"coverage in [0.80, 0.97]: {int(inside.sum())}/{len(table)};  "
          f"mean coverage {table['coverage_90'].mean():.2f}\n")


def print_seed_medians(samples: pd.DataFrame, trains: list[list[int]], seeds: int) -> None:
    """Over all training sets and runtime/architectures, per random state and the median:
    mean and largest MAPE, and cases with coverage in [0.80, 0.97], for duration and init."""
    rows = []
    for seed in range(seeds):
        tables = pd.concat([accuracy_table(samples, train, seed) for train in trains])
        rows.append({
            "seed": seed,
            "mape_mean_%": tables["mape_%"].mean(),
            "mape_max_%": tables["mape_%"].max(),
            "coverage_ok": int(tables["coverage_90"].between(0.80, 0.97).sum()),
            "init_mape_mean_%": tables["init_mape_%"].mean(),
            "init_coverage_ok": int(tables["init_coverage_90"].between(0.80, 0.97).sum()),
        })
    table = pd.DataFrame(rows)
    print(f"Random states 0-{seeds - 1}, {len(trains)} training sets x 8 runtime/architectures "
          f"({8 * len(trains)} cases):")
    print(table.round(2).to_string(index=False))
    medians = table.drop(columns="seed").median()
    print("median: " + ", ".join(f"{k} {v:.2f}" for k, v in medians.items()) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--train", action="append", help="memory sizes to fit on (repeatable; default 256,1024,2048)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="fit-time repetitions")
    parser.add_argument(
        "--seeds", type=int, default=0,
        help="also score every training set with random states 0..N-1 and print the medians",
    )
    parser.add_argument("--per-curve", action="store_true", help="also print every curve's scores")
    parser.add_argument("--learn-prior", action="store_true",
                        help="print the best knee of each development curve (the prior's counts)")
    parser.add_argument("--curves-only", action="store_true", help="only the issue-13 figures")
    parser.add_argument("--form", default="average",
                        help="DurationModel form for the issue-13 figures ('auto': the CV choice of before)")
    args = parser.parse_args()
    if args.learn_prior:
        print_knee_counts()
    print_curve_figures(args.per_curve, args.form)
    runs = three_size_fit_seconds(max(args.repeats, 7))
    print(f"Fit time, 3 sizes x 5 invocations: median {statistics.median(runs) * 1000:.0f} ms over "
          f"{len(runs)} runs (min {min(runs) * 1000:.0f}, max {max(runs) * 1000:.0f})\n")
    if args.curves_only:
        return
    trains = [[int(x) for x in t.split(",")] for t in (args.train or ["256,1024,2048"])]
    samples = load_mbwilding(DATA)
    for train in trains:
        print_accuracy(samples, train)
    if args.seeds:
        print_seed_medians(samples, trains, args.seeds)
    train = trains[0]
    print("\nPer form: hold-out MAPE of the mean (fit on the training sizes) and leave-one-size-out")
    print("CV MAPE using all 16 sizes (cv16):")
    print(form_table(samples, train).to_string(index=False))
    times = fit_seconds(args.repeats)
    print(f"Fit time, {FIT_SAMPLES} samples: median {statistics.median(times) * 1000:.0f} ms "
          f"over {args.repeats} runs (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    for name, runs in summarize_seconds(samples, args.repeats).items():
        print(f"model fit (summarize), python311/arm64 at {name}: median "
              f"{statistics.median(runs) * 1000:.0f} ms over {args.repeats} runs "
              f"(min {min(runs) * 1000:.0f}, max {max(runs) * 1000:.0f})")


if __name__ == "__main__":
    main()
