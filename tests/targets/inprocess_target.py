"""A plugin target written only against the public contract: a function run in this process.

It is what a user's own target looks like (``--target path/to/file.py:Class``): it keeps its
"environment" (the loaded function) until the memory changes, so the first call after a
change is a cold start, and it returns the record the contract asks for.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from advisor.platform.aws_lambda import billed_ms, check_memory_mb
from advisor.targets import RECORD_FIELDS, Target


class InProcessTarget(Target):
    """Runs ``sum(range(n))`` (or raises for ``{"fail": true}``) in the calling thread."""

    def __init__(self, memory_mb: int = 128) -> None:
        self.initial = check_memory_mb(memory_mb)
        self.memory_mb = self.initial
        self._loaded = False
        self._lock = threading.Lock()

    def configure(self, memory_mb: int, **options: Any) -> None:
        self.memory_mb = check_memory_mb(memory_mb)
        self._loaded = False  # a new configuration: the next call loads the function again

    def restore(self) -> None:
        self.configure(self.initial)

    def invoke(self, payload: Any) -> dict[str, Any]:
        started = datetime.now(timezone.utc)
        init_ms = None
        with self._lock:
            if not self._loaded:
                load = time.perf_counter()
                time.sleep(0.002)  # loading the "model"
                init_ms = (time.perf_counter() - load) * 1000
                self._loaded = True
        begin = time.perf_counter()
        status, error = "success", None
        try:
            if payload.get("fail"):
                raise RuntimeError("asked to fail")
            sum(range(payload.get("n", 1000)))
        except RuntimeError:
            status, error = "error", "RuntimeError"
        duration = (time.perf_counter() - begin) * 1000
        end = started + timedelta(milliseconds=duration + (init_ms or 0.0))
        values = {
            "function": "in-process", "request_id": str(uuid.uuid4()), "start_time": started, "end_time": end,
            "duration_ms": duration, "billed_duration_ms": int(billed_ms(duration + (init_ms or 0.0))),
            "memory_mb": self.memory_mb, "max_memory_used_mb": None, "init_ms": init_ms, "restore_ms": None,
            "billed_restore_ms": None, "status": status, "error_type": error, "log_stream": None,
            "architecture": None,
        }
        return {name: values[name] for name in RECORD_FIELDS}
