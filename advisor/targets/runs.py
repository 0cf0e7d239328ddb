"""The two local runs behind ``advisor local``: N invocations on one warm pool, and a trace replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.targets.local import (
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_TIMEOUT_S,
    Invocation,
    LocalTarget,
)
from advisor.targets.traffic import ReplayRun, read_arrivals, send_arrivals


def parse_payload(text: str | None) -> Any:
    """The event given as JSON text, or as ``@path/to/file.json``; None means ``{}``.

    Raises:
        UsageError: the JSON text is invalid (the message says where).
        NotFoundError, InputError: the file is missing or holds invalid JSON.
    """
    if text is None:
        return {}
    if text.startswith("@"):
        return read_payload_file(Path(text[1:]))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--payload {text!r} is not valid JSON: {exc}",
                         hint="Quote it for the shell, e.g. --payload '{\"x\": 1}', or use @file.json.") from exc


def read_payload_file(path: Path) -> Any:
    """The event held in the JSON file ``path``.

    Raises:
        NotFoundError: the file does not exist.
        InputError: it cannot be read, or holds invalid JSON (the message says where).
    """
    if not path.is_file():
        raise NotFoundError(f"payload file {path} does not exist", hint="Check the path.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"payload file {path} is not valid JSON: {exc}",
                         hint="Fix the JSON in that file.") from exc
    except OSError as exc:
        raise InputError(f"payload file {path} cannot be read: {exc.strerror}",
                         hint="Check its permissions.") from exc


@dataclass
class LocalRun:
    """Invocations made by :func:`invoke_local`, with how the target limited them."""

    invocations: list[Invocation]
    describe: dict[str, Any]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [i.record for i in self.invocations]


def invoke_local(handler: str, *, memory_mb: int, payload: Any = None, count: int = 1,
                 keep_alive_s: float = DEFAULT_KEEP_ALIVE_S, timeout_s: float = DEFAULT_TIMEOUT_S,
                 log_path: Path | None = None,
                 on_done: Callable[[int], None] | None = None) -> LocalRun:
    """Invoke ``handler`` ``count`` times in a row on one pool (the first is cold)."""
    if count < 1:
        raise UsageError(f"-n {count}: the number of invocations must be at least 1")
    with LocalTarget(handler, memory_mb=memory_mb, keep_alive_s=keep_alive_s, timeout_s=timeout_s,
                     log_path=log_path) as target:
        invocations = []
        for done in range(1, count + 1):
            invocations.append(target.call({} if payload is None else payload))
            if on_done is not None:
                on_done(done)
        return LocalRun(invocations, target.describe())


def replay_local(handler: str, trace: Path, *, memory_mb: int, payload: Any = None,
                 keep_alive_s: float = DEFAULT_KEEP_ALIVE_S, speedup: float = 1.0,
                 max_concurrency: int = DEFAULT_MAX_CONCURRENCY, timeout_s: float = DEFAULT_TIMEOUT_S,
                 log_path: Path | None = None,
                 on_start: Callable[[int], None] | None = None,
                 on_done: Callable[[int], None] | None = None) -> ReplayRun:
    """Replay a trace's arrivals through ``handler``: time and keep-alive compressed by ``speedup``.

    Args:
        on_start: called once with the number of requests before the first is sent.
    """
    if speedup <= 0:
        raise UsageError(f"--speedup {speedup} must be positive")
    arrivals = read_arrivals(trace)
    with LocalTarget(handler, memory_mb=memory_mb, keep_alive_s=keep_alive_s / speedup,
                     timeout_s=timeout_s, max_concurrency=max_concurrency,
                     log_path=log_path) as target:
        if on_start is not None:
            on_start(len(arrivals))
        return send_arrivals(target, arrivals, payload={} if payload is None else payload,
                             speedup=speedup, on_done=on_done)
