"""A handler served under the AWS Lambda REST API (``advisor local serve``), for real boto3 clients.

Like ``sam local start-lambda``, but the function runs in the local target (worker processes
with Lambda's memory and CPU limits, real cold starts) and the API covers what the tuner's AWS
target calls: configuration, versions, aliases, provisioned concurrency and Invoke with its log
tail, with AWS's status codes and error shapes, and faults on demand. Modules, one noun each:
:mod:`.server` (HTTP), :mod:`.routes`, :mod:`.emulator` (the operations), :mod:`.registry` (the
function's versions, aliases and rules), :mod:`.sandboxes`, :mod:`.invoker`, :mod:`.logtail`,
:mod:`.faults`, :mod:`.shapes`, :mod:`.errors`.

    with serve_local("examples/digits_classifier.py:handler", memory_mb=512) as server:
        boto3.client("lambda", endpoint_url=server.endpoint_url, ...)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._lazy import lazy_getattr

if TYPE_CHECKING:  # what the names are, for type checkers; they are loaded by __getattr__
    # ruff: noqa: F401 - imported for type checkers only
    from advisor.targets.lambda_api.emulator import Emulator
    from advisor.targets.lambda_api.faults import Faults
    from advisor.targets.lambda_api.server import LambdaApiServer, serve_local

_EXPORTS = {
    "Emulator": "advisor.targets.lambda_api.emulator",
    "Faults": "advisor.targets.lambda_api.faults",
    "LambdaApiServer": "advisor.targets.lambda_api.server",
    "serve_local": "advisor.targets.lambda_api.server",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the names above, loaded lazily

__getattr__ = lazy_getattr(__name__, _EXPORTS)
