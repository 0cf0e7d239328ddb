"""Access to the real log samples (``shared/data/lambda-logs/samples.jsonl``), exact strings."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data"))
SAMPLES = SHARED_DATA / "lambda-logs" / "samples.jsonl"


@cache
def _all() -> dict[str, dict]:
    with SAMPLES.open() as handle:
        return {row["id"]: row for row in map(json.loads, handle)}


def sample(sample_id: str) -> str:
    """The exact text of sample ``sample_id`` (tabs and newlines kept)."""
    return _all()[sample_id]["text"]


def variant(sample_id: str) -> str:
    """The variant label of ``sample_id``."""
    return _all()[sample_id]["variant"]


def variants() -> set[str]:
    """Every variant label in the corpus."""
    return {row["variant"] for row in _all().values()}


def write(tmp: Path, sample_id: str, *, name: str | None = None) -> Path:
    """Write sample ``sample_id`` to a file under ``tmp`` and return its path."""
    path = tmp / (name or f"{sample_id}.log")
    path.write_text(sample(sample_id))
    return path
