"""Handlers the Lambda API tests serve (Lambda's signature), run in real worker processes."""

import os
import time


def environment(event, context):
    """What the environment says: the variables the tests set, the memory size, the version, the pid."""
    print(f"environment {event}")
    return {
        "pid": os.getpid(),
        "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
        "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "function_name": context.function_name,
        "log_stream": context.log_stream_name,
        "variables": {k: v for k, v in os.environ.items() if k.startswith("TEST_")},
    }


def sleep(event, context):
    """Wait event["seconds"] (no CPU), then answer."""
    time.sleep(event.get("seconds", 0))
    return {"slept": event.get("seconds", 0)}


def fail(event, context):
    """Raise the handler error the tests expect."""
    raise KeyError("no such tenant")


def big(event, context):
    """Answer with event["mb"] MB of text."""
    return "x" * (event["mb"] * 1024 * 1024)
