"""Azure LLM inference trace 2023 (Patel et al., "Splitwise", ISCA'24): arrivals and token counts.

Columns ``TIMESTAMP, ContextTokens, GeneratedTokens``: one row per request. The
trace has no service time; it is modelled as prefill plus decode,
``duration_ms = PREFILL_MS_PER_TOKEN * ContextTokens + DECODE_MS_PER_TOKEN * GeneratedTokens``
(defaults in the range Splitwise reports for a large model on one node: about
0.1 ms per prompt token and 30 ms per generated token). The function is named
``llm-code`` or ``llm-conv`` after the file name unless ``--function`` names it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from advisor.logs._base import ParseResult, Rejection, TraceParser
from advisor.logs._tracing import read_table, trace_result
from advisor.logs.sniffing import csv_header

PREFILL_MS_PER_TOKEN = 0.1
DECODE_MS_PER_TOKEN = 30.0


_COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")


def _default_name(path: Path) -> str:
    stem = path.stem.lower()
    for kind in ("code", "conv"):
        if kind in stem:
            return f"llm-{kind}"
    return f"llm-{stem}"


class AzureLlmParser(TraceParser):
    """Azure LLM inference trace 2023 CSV."""

    name = "azure-llm-2023"
    description = "Azure LLM inference trace 2023 (TIMESTAMP, ContextTokens, GeneratedTokens)"

    def sniff(self, head: str) -> bool:
        return set(_COLUMNS) <= set(csv_header(head) or ())

    def parse_path(self, path: Path, *, function: str | None, seed: int) -> ParseResult:
        table = read_table(path, required=_COLUMNS)
        lines = np.arange(len(table)) + 2
        # As text: a damaged column that pandas read as numbers is bad times, not epochs.
        stamps = pd.to_datetime(table["TIMESTAMP"].astype("string"), utc=True, errors="coerce",
                                format="ISO8601")
        context = pd.to_numeric(table["ContextTokens"], errors="coerce")
        generated = pd.to_numeric(table["GeneratedTokens"], errors="coerce")
        bad = stamps.isna() | context.isna() | generated.isna() | (context < 0) | (generated < 0)
        rejected = [Rejection(str(path), int(line), "bad TIMESTAMP or token count")
                    for line in lines[bad.to_numpy()]]
        keep = ~bad.to_numpy()
        name = function or _default_name(path)
        duration = np.round(PREFILL_MS_PER_TOKEN * context[keep].to_numpy()
                            + DECODE_MS_PER_TOKEN * generated[keep].to_numpy(), 3)
        start_ns = pd.DatetimeIndex(stamps[keep]).as_unit("ns").asi8
        request_id = pd.Series([f"{name}-{line}" for line in lines[keep]], dtype="string")
        return trace_result(function=name, request_id=request_id, start_ns=start_ns,
                            duration_ms=duration, format_name=self.name, lines=len(table),
                            parsed=int(keep.sum()), rejected=rejected)
