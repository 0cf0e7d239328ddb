"""One execution environment: a process that loads a handler once and serves requests.

Run as ``python -m advisor.targets._worker REQ_FD RESP_FD HANDLER``. It imports
only the standard library before the handler, so a cold start pays what Lambda's
does: interpreter start, the handler's imports and its module-level code. Messages
are JSON documents framed by :mod:`multiprocessing.connection`; handler output
(``print``, ``logging`` to stderr) is captured and sent back line by line so the
parent can write it into the log between START and END, as CloudWatch shows it.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

#: Exit status when the handler cannot be loaded.
EXIT_INIT_FAILED = 3


class LambdaContext:
    """The context object Lambda's Python runtime passes as the handler's second argument."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["request_id"]
        self.function_name: str = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version: str = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb: str = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name: str = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name: str = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.invoked_function_arn: str = request["function_arn"]
        self.identity = None
        self.client_context = None
        self._deadline_ms: int = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation times out."""
        return max(0, self._deadline_ms - int(time.time() * 1000))


class _Lines(io.TextIOBase):
    """A text stream that collects complete lines for the log."""

    def __init__(self, sink: list[str]) -> None:
        self._sink = sink
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *done, self._partial = (self._partial + text).split("\n")
        self._sink.extend(done)
        return len(text)

    def flush_partial(self) -> None:
        if self._partial:
            self._sink.append(self._partial)
            self._partial = ""


class _Capture:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.streams = (_Lines(self.lines), _Lines(self.lines))
        sys.stdout, sys.stderr = self.streams

    def take(self) -> list[str]:
        for stream in self.streams:
            stream.flush_partial()
        lines, self.lines[:] = list(self.lines), []
        return lines


def load_handler(spec: str) -> Callable[[Any, Any], Any]:
    """Import ``path/to/file.py:func`` or ``package.module:func`` and return the function."""
    target, _, name = spec.rpartition(":")
    if target.endswith(".py"):
        path = Path(target).resolve()
        sys.path.insert(0, str(path.parent))
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(target)
    handler = getattr(module, name, None)
    if not callable(handler):
        raise _HandlerNotFoundError(f"{target} has no function {name!r}")
    return handler


class _HandlerNotFoundError(Exception):
    pass


def _init_error_type(exc: BaseException) -> str:
    if isinstance(exc, _HandlerNotFoundError):
        return "Runtime.HandlerNotFound"
    if isinstance(exc, (ImportError, SyntaxError)):
        return "Runtime.ImportModuleError"
    return type(exc).__name__


class _MarshalError(Exception):
    pass


def _marshal(result: Any) -> str:
    try:
        return json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise _MarshalError(f"Unable to marshal response: {exc}") from None


def _invoke_error_type(exc: BaseException) -> str:
    return "Runtime.MarshalError" if isinstance(exc, _MarshalError) else type(exc).__name__


def _peak_rss_kb() -> int:
    """Peak resident memory of this process image (VmHWM).

    Not ``ru_maxrss``: that keeps the high-water mark of the parent's image this
    process was forked from, which would charge the parent's memory to the handler.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _serve(handler: Callable[[Any, Any], Any], requests: Connection, replies: Connection,
           capture: _Capture) -> None:
    while True:
        try:
            request = json.loads(requests.recv_bytes())
        except EOFError:  # the parent closed the pipe: shut down
            return
        reply: dict[str, Any] = {"status": "success", "error_type": None, "error_message": None}
        context = LambdaContext(request)
        started = time.perf_counter()
        try:
            result = handler(json.loads(request["event"]), context)
            reply["response"] = _marshal(result)
        except MemoryError:
            reply.update(status="error", error_type="Runtime.OutOfMemory", error_message="MemoryError")
        except Exception as exc:
            reply.update(status="error", error_type=_invoke_error_type(exc), error_message=str(exc),
                         traceback=traceback.format_exc().rstrip("\n").split("\n"))
        reply["duration_ms"] = (time.perf_counter() - started) * 1000.0
        reply["logs"] = capture.take()
        reply["max_rss_kb"] = _peak_rss_kb()
        replies.send_bytes(json.dumps(reply).encode())


def main(argv: list[str]) -> int:
    """Load the handler, report readiness (or the init error), then serve until the pipe closes."""
    requests = Connection(int(argv[0]), writable=False)
    replies = Connection(int(argv[1]), readable=False)
    capture = _Capture()
    try:
        handler = load_handler(argv[2])
    except BaseException as exc:
        replies.send_bytes(json.dumps({
            "ready": False,
            "error_type": _init_error_type(exc),
            "error_message": f"{type(exc).__name__}: {exc}",
            "logs": capture.take(),
            "traceback": traceback.format_exc().rstrip("\n").split("\n"),
        }).encode())
        return EXIT_INIT_FAILED
    replies.send_bytes(json.dumps({"ready": True, "logs": capture.take(),
                                   "max_rss_kb": _peak_rss_kb()}).encode())
    _serve(handler, requests, replies, capture)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
