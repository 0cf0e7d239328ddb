"""Azure Functions trace 2019 (Shahrad et al., ATC'20): per-minute counts and percentiles.

The trace gives, per function and day, the number of invocations in each of 1,440
minutes (``*_inv.csv``), percentiles of its execution time (``*_run.csv``:
``percentile_Average_{0,1,25,50,75,99,100}`` in ms) and, per app, percentiles of
allocated memory (``*_mem.csv``). It records no single invocation, so records are
drawn, reproducibly from ``seed``:

- arrivals: the n invocations of minute m fall at n independent uniform times
  within that minute (a Poisson process conditioned on its count), sorted;
- each function's draws come from its own generator, seeded by ``seed`` and the function's
  hash, so a function gets the same records whether it is read alone or with the others;
- durations: inverse-CDF sampling, linear between the published percentiles
  (u ~ U(0, 1) mapped through 0 -> p0, 0.01 -> p1, 0.25 -> p25, ... 1 -> p100);
- max memory used: the same rule over the app's allocated-memory percentiles
  (1, 5, 25, 50, 75, 95, 99, 100); memory size: the app's 100th percentile rounded
  up to a multiple of 64 MB (at least 128 MB), as a Lambda size that would hold it.

The day is not recorded in the trace; minute 1 is placed at
:data:`DAY_START` (2019-07-15T00:00Z, the first day of the published fortnight).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.logs._base import ParseResult, Rejection, TraceParser
from advisor.logs._tracing import SHORT_ID, read_table, select, trace_result
from advisor.logs.sniffing import csv_header
from advisor.platform.aws_lambda import MIN_MEMORY_MB
from advisor.units import HOURS_PER_DAY, MINUTES_PER_HOUR, MS_PER_S, NS_PER_MS, NS_PER_S, SECONDS_PER_MINUTE

DAY_START = datetime(2019, 7, 15, tzinfo=UTC)
MINUTES = HOURS_PER_DAY * MINUTES_PER_HOUR
_RUN_PCTS = (0, 1, 25, 50, 75, 99, 100)
_MEM_PCTS = (1, 5, 25, 50, 75, 95, 99, 100)
_MEMORY_STEP_MB = 64



def siblings(path: Path) -> dict[str, Path]:
    """The ``inv``, ``run`` and ``mem`` files beside ``path`` (any of the three)."""
    name = path.name
    for kind in ("inv", "run", "mem"):
        marker = f"_{kind}."
        if marker in name:
            return {k: path.with_name(name.replace(marker, f"_{k}.")) for k in ("inv", "run", "mem")}
    raise InputError(f"{path}: an Azure 2019 trace file is named *_inv.csv, *_run.csv or *_mem.csv.",
                     hint="Pass the *_inv.csv file; its _run and _mem siblings are read beside it.")


def _percentile_draw(rng: np.random.Generator, table: np.ndarray, levels: tuple[int, ...],
                     n: int) -> np.ndarray:
    """``n`` draws from the distribution whose percentiles at ``levels`` are ``table``."""
    u = rng.random(n) * 100.0
    grid = np.array(levels, dtype="float64")
    # Below the first level (memory starts at p1) the first value is used.
    return np.interp(u, grid, table.astype("float64"))


class Azure2019Parser(TraceParser):
    """Azure Functions 2019 ``*_inv.csv`` with ``*_run.csv`` and ``*_mem.csv`` beside it."""

    name = "azure-2019"
    description = "Azure Functions trace 2019 (per-minute counts, duration and memory percentiles)"

    def sniff(self, head: str) -> bool:
        header = set(csv_header(head) or ())
        return {"HashFunction", "HashApp", "minute_1"} <= header or any(
            cell.startswith(("percentile_Average_", "AverageAllocatedMb")) for cell in header)

    def parse_path(self, path: Path, *, function: str | None, seed: int) -> ParseResult:
        files = siblings(path)
        for kind, file in files.items():
            if kind != "mem" and not file.exists():
                raise InputError(f"{file}: missing; the Azure 2019 trace needs it beside {path}.",
                                 hint="Keep the _inv, _run and _mem files of one day together.")
        minutes = [f"minute_{i}" for i in range(1, MINUTES + 1)]
        inv = read_table(files["inv"], required=("HashFunction", "HashApp", *minutes))
        run = read_table(files["run"], required=("HashFunction", *(f"percentile_Average_{p}" for p in _RUN_PCTS)))
        mem = (read_table(files["mem"], required=("HashApp", *(f"AverageAllocatedMb_pct{p}" for p in _MEM_PCTS)))
               if files["mem"].exists() else None)
        chosen = inv[select(inv["HashFunction"], function)]
        if chosen.empty:
            raise InputError(f"{files['inv']}: no function whose hash starts with {function!r}.",
                             hint="Pass a prefix of a HashFunction value from the file.")
        run = run.drop_duplicates("HashFunction").set_index("HashFunction")
        mem = None if mem is None else mem.drop_duplicates("HashApp").set_index("HashApp")
        parts, rejected = [], []
        for row_index, row in chosen.iterrows():
            line = int(row_index) + 2  # header is line 1
            fid = row["HashFunction"]
            if fid not in run.index:
                rejected.append(Rejection(str(files["inv"]), line,
                                          f"no duration percentiles for {fid[:SHORT_ID]} in {files['run'].name}"))
                continue
            counts = row[minutes].to_numpy(dtype="int64")
            rng = np.random.default_rng([seed, zlib.crc32(fid.encode())])
            parts.append(self._function_records(rng, fid, counts, run.loc[fid], mem, row["HashApp"]))
        frame: dict[str, Any]
        if not parts:
            frame = {k: [] for k in ("function", "request_id", "start_ns", "duration_ms", "memory_mb",
                                     "max_memory_used_mb")}
        else:
            frame = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        return trace_result(
            function=pd.Series(frame["function"], dtype="string"),
            request_id=pd.Series(frame["request_id"], dtype="string"),
            start_ns=np.asarray(frame["start_ns"], dtype="int64"),
            duration_ms=np.asarray(frame["duration_ms"], dtype="float64"),
            memory_mb=frame["memory_mb"], max_memory_used_mb=frame["max_memory_used_mb"],
            format_name=self.name, lines=len(inv), parsed=len(parts), rejected=rejected,
        )

    @staticmethod
    def _function_records(rng: np.random.Generator, fid: str, counts: np.ndarray, run: pd.Series,
                          mem: pd.DataFrame | None, app: str) -> dict[str, np.ndarray]:
        total = int(counts.sum())
        minute = np.repeat(np.arange(MINUTES), counts)
        offsets = rng.random(total)
        order = np.lexsort((offsets, minute))
        seconds = (minute + offsets)[order] * SECONDS_PER_MINUTE
        start_ns = int(DAY_START.timestamp()) * NS_PER_S + np.round(seconds * MS_PER_S).astype("int64") * NS_PER_MS
        durations = np.round(_percentile_draw(
            rng, run[[f"percentile_Average_{p}" for p in _RUN_PCTS]].to_numpy(), _RUN_PCTS, total), 2)
        memory = used = np.full(total, None, dtype=object)
        if mem is not None and app in mem.index:
            table = mem.loc[app, [f"AverageAllocatedMb_pct{p}" for p in _MEM_PCTS]].to_numpy()
            size = max(MIN_MEMORY_MB, int(np.ceil(table[-1] / _MEMORY_STEP_MB)) * _MEMORY_STEP_MB)
            memory = np.full(total, size, dtype=object)
            used = np.ceil(_percentile_draw(rng, table, _MEM_PCTS, total)).astype("int64").astype(object)
        sequence = pd.Series(np.arange(total)).astype(str).str.zfill(7)
        return {
            "function": np.full(total, fid[:SHORT_ID], dtype=object),
            "request_id": (f"{fid[:SHORT_ID]}-" + sequence).to_numpy(dtype=object),
            "start_ns": start_ns,
            "duration_ms": durations,
            "memory_mb": memory,
            "max_memory_used_mb": used,
        }
