"""The HTTP server: the standard library's threading server in front of the emulator.

One thread per connection (HTTP/1.1 keep-alive, as botocore's connection pool uses it).
Every answer carries ``x-amzn-RequestId``; an error carries ``x-amzn-ErrorType`` and the
JSON body of :mod:`.errors`; an unexpected failure inside the emulator is a 500
ServiceException (its message names the failure), never a dropped connection.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from advisor.errors import AdvisorError, UsageError
from advisor.targets.lambda_api import errors, routes
from advisor.targets.lambda_api.emulator import Emulator
from advisor.targets.lambda_api.invoker import Answer

DEFAULT_HOST = "127.0.0.1"
#: The port ``sam local start-lambda`` uses, so habits carry over.
DEFAULT_PORT = 3001


class LambdaApiServer(ThreadingHTTPServer):
    """Serves ``emulator`` under the Lambda REST API at ``host:port`` (port 0: a free one).

    Raises:
        UsageError: the address cannot be bound (in use, not allowed).
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self, emulator: Emulator, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        self.emulator = emulator
        self._serving = False
        try:
            super().__init__((host, port), _Handler)
        except OSError as exc:
            emulator.close()
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                             hint="Choose another --port (0 picks a free one) or --host.") from None

    @property
    def endpoint_url(self) -> str:
        """``http://HOST:PORT``: what clients pass as ``endpoint_url`` / ``--endpoint-url``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a reset, a broken pipe) is not an error of the server."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`close` (or ``shutdown``)."""
        self._serving = True
        super().serve_forever(poll_interval)

    def close(self) -> None:
        """Stop serving, close the socket and stop every environment."""
        if self._serving:
            self.shutdown()
        self.server_close()
        self.emulator.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LambdaApiServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            operation, params = routes.route(method, url.path)
            request = routes.Request(params, dict(parse_qsl(url.query)), _Headers(self.headers), body)
            answer = operation(self.server.emulator, request)
        except errors.ApiError as exc:
            answer = Answer(exc.status, exc.body(), {"Content-Type": "application/json",
                                                     "x-amzn-ErrorType": exc.code, **exc.headers})
        except (AdvisorError, OSError, ValueError, KeyError, TypeError) as exc:
            failure = errors.service(f"{type(exc).__name__}: {exc}")
            answer = Answer(failure.status, failure.body(), {"Content-Type": "application/json",
                                                             "x-amzn-ErrorType": failure.code})
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the command prints the endpoint, not every request."""


class _Headers(dict[str, str]):
    """Request headers looked up case-insensitively, as HTTP means them."""

    def __init__(self, headers: Any) -> None:
        super().__init__({k.lower(): v for k, v in headers.items()})

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@contextmanager
def serve_local(handler: str, *, host: str = DEFAULT_HOST, port: int = 0, **options: Any) -> Iterator[LambdaApiServer]:
    """Serve ``handler`` under the Lambda API in a background thread for the ``with`` block.

    Example::

        with serve_local("examples/digits_classifier.py:handler", memory_mb=512) as server:
            client = boto3.client("lambda", endpoint_url=server.endpoint_url, ...)

    Args:
        handler: ``path/to/file.py:func`` or ``package.module:func``.
        host: the address to bind (loopback by default).
        port: the port (0: a free one; read it from ``server.endpoint_url``).
        **options: the :class:`Emulator` settings (``function_name``, ``memory_mb``, ``timeout_s``,
            ``environment``, ``log_format``, ``faults``, ``update_delay_s``, ``keep_alive_s``...).
    """
    server = LambdaApiServer(Emulator(handler, **options), host, port)
    thread = threading.Thread(target=server.serve_forever, name="advisor-lambda-api", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join()
