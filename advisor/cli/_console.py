"""Consoles and output helpers shared by the CLI commands."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console


def console() -> Console:
    """A console on the current stdout (made per call so redirections are honoured)."""
    return Console(file=sys.stdout, highlight=False)


def error_console() -> Console:
    """A console on the current stderr for errors, warnings and progress.

    Soft-wrapped: an error is one line however narrow the terminal, so it can be
    grepped and copied whole.
    """
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def emit_json(document: Any) -> None:
    """Print ``document`` as indented JSON on stdout, unwrapped."""
    sys.stdout.write(json.dumps(document, indent=2, default=_default, allow_nan=False))
    sys.stdout.write("\n")


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "__float__"):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
