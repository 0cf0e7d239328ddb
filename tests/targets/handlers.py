"""Real handlers the local-target tests run in worker processes (Lambda's signature)."""

import os
import time

INIT_PID = os.getpid()
print("module loaded")


def echo(event, context):
    """Return the event and what the context says."""
    print(f"echo {event}")
    return {
        "event": event,
        "pid": os.getpid(),
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "log_stream_name": context.log_stream_name,
        "env_memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
    }


def echo_or_fail(event, context):
    """Echo the event, or raise when it asks to fail."""
    if event.get("fail"):
        raise QuotaExceeded("asked to fail")
    return event


def sleep(event, context):
    """Wait (I/O-like, no CPU) for event["seconds"]."""
    time.sleep(event["seconds"])
    return {"pid": os.getpid()}


def allocate(event, context):
    """Hold event["mb"] MB of touched memory."""
    block = b"\x01" * (event["mb"] * 1024 * 1024)
    return len(block)


class QuotaExceeded(Exception):
    pass


def fail(event, context):
    raise QuotaExceeded("no more quota for this tenant")


def spin(event, context):
    """Single-threaded CPU-bound loop of event["n"] iterations."""
    total = 0
    for i in range(event["n"]):
        total += i * i % 7
    return total


def not_json(event, context):
    return {1, 2, 3}


def heavy_modules(event, context):
    """Which of advisor's own heavy dependencies the worker process has imported."""
    import sys

    return sorted(m for m in ("numpy", "pandas", "pyarrow", "advisor.record", "advisor.targets.local")
                  if m in sys.modules)
