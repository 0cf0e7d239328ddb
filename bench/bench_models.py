"""Duration-model accuracy on real Lambda measurements, and fit time.

Data: ../shared/data/lambda-measurements/mbwilding-s3-benchmark (real AWS Lambda, 500 S3
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

from advisor.models import ColdStartModel, DurationModel
from advisor.models.duration import DURATION_FORMS
from advisor.models.evaluation import evaluate_holdout, load_mbwilding
from advisor.models.summary import summarize

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ADVISOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
DATA = SHARED / "lambda-measurements/mbwilding-s3-benchmark/lambda_benchmark_results.csv"
FIT_SAMPLES = 1000


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
        full = DurationModel(n_bootstrap=1).fit(group[["memory_mb"]], group["duration_ms"])
        for form in DURATION_FORMS:
            holdout = evaluate_holdout(group, train, model=DurationModel(form=form, n_bootstrap=1))
            row[f"{form}_holdout_%"] = round(holdout.mape, 1)
            row[f"{form}_cv16_%"] = round(full.cv_results_[form].mape, 1)
        rows.append(row)
    return pd.DataFrame(rows)


def fit_seconds(repeats: int) -> list[float]:
    """Wall time of DurationModel().fit on 1,000 samples at 7 sizes, ``repeats`` times."""
    rng = np.random.default_rng(0)
    memory = rng.choice([128, 256, 512, 1024, 1769, 3008, 10240], FIT_SAMPLES).astype(float)
    duration = (200.0 + 3000.0 / np.minimum(memory / 1769.0, 1.0)) * rng.lognormal(0, 0.1, FIT_SAMPLES)
    frame = pd.DataFrame({"memory_mb": memory})
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        DurationModel().fit(frame, duration)
        times.append(time.perf_counter() - start)
    return times


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
            summarize(columns, arch="arm64")
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
    args = parser.parse_args()
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
