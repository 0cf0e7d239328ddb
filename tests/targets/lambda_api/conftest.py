"""Fixtures for the Lambda API emulator: a served handler and a real boto3 client on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from advisor.targets.lambda_api import serve_local
from advisor.targets.lambda_api.server import LambdaApiServer

HANDLERS = Path(__file__).resolve().parent / "handlers.py"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def handler(name: str) -> str:
    """The spec of a test handler in this directory's handlers.py."""
    return f"{HANDLERS}:{name}"


def make_client(endpoint_url: str, *, attempts: int = 1) -> Any:
    """A real boto3 Lambda client on the emulator (no retries unless asked: the tests see every answer)."""
    return boto3.client("lambda", endpoint_url=endpoint_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"max_attempts": attempts, "mode": "standard"}))


def api_error(call: Callable[..., Any], **request: Any) -> dict[str, Any]:
    """The error the emulator answers ``call(**request)`` with (``Code``, ``Message``), as boto3 reads it."""
    with pytest.raises(ClientError) as raised:
        call(**request)
    return raised.value.response["Error"]


@dataclass
class Served:
    """A served handler: the server, a client on it and the function's name."""

    server: LambdaApiServer
    client: Any
    name: str

    def state(self) -> dict[str, Any]:
        return self.server.emulator.state()

    def publish(self, **changes: Any) -> str:
        """Update ``$LATEST`` with ``changes`` (UpdateFunctionConfiguration arguments), publish; the version."""
        if changes:
            self.client.update_function_configuration(FunctionName=self.name, **changes)
        return self.client.publish_version(FunctionName=self.name)["Version"]


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Serve a handler (``serve(spec, **options)``) on a free port; every server stops after the test."""
    with ExitStack() as stack:
        def start(spec: str, **options: Any) -> Served:
            """``spec``: a handler spec, or the name of a function in this directory's handlers.py."""
            spec = spec if ":" in spec else handler(spec)
            options.setdefault("keep_alive_s", 60.0)
            options.setdefault("isolation", "none")
            server = stack.enter_context(serve_local(spec, port=0, **options))
            return Served(server, make_client(server.endpoint_url), server.emulator.function_name)

        yield start


@pytest.fixture
def lambda_client() -> Callable[..., Any]:
    """``lambda_client(endpoint_url, attempts=1)``: a real boto3 client on a server."""
    return make_client
