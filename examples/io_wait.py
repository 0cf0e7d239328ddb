"""A handler that spends its time waiting on I/O, not computing.

Each request asks a "downstream service" over a real local socket and waits for its
answer. The service (started at init, inside the execution environment) answers
after ``{"delay_ms": N}`` milliseconds (default 150). Duration barely changes with
memory: more CPU does not make a network wait shorter, so the smallest memory size
that fits is the cheapest.

    advisor local invoke examples/io_wait.py:handler --memory 128 -n 5
"""

import json
import socket
import threading
import time


def _serve(server: socket.socket) -> None:
    while True:
        connection, _ = server.accept()
        with connection:
            request = json.loads(connection.recv(4096))
            time.sleep(request["delay_ms"] / 1000)
            connection.sendall(json.dumps({"answer": 42}).encode())


_server = socket.create_server(("127.0.0.1", 0))
ADDRESS = _server.getsockname()
threading.Thread(target=_serve, args=(_server,), daemon=True).start()


def handler(event, context):
    """Call the downstream service and return its answer."""
    with socket.create_connection(ADDRESS) as connection:
        connection.sendall(json.dumps({"delay_ms": event.get("delay_ms", 150)}).encode())
        answer = json.loads(connection.recv(4096))
    return {"answer": answer["answer"]}
