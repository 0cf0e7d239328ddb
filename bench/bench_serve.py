"""What ``advisor local serve`` adds to an invocation: boto3 + HTTP + the emulator, against a direct call.

Serves a trivial handler (``tests/targets/handlers.py:echo``) and invokes it warm, in turn
directly through :class:`~advisor.targets.local.LocalTarget` and through real boto3 against
the server (``Invoke`` with ``LogType=Tail``, the AWS target's call), interleaved so that
both see the same machine load. Prints the median and p90 wall time of each and the
median difference (the emulator's overhead per invocation; the REPORT's Duration the
tuner measures is the handler's own time in both).

Usage:  .venv/bin/python bench/bench_serve.py [--invocations 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import boto3
from botocore.config import Config

from advisor.targets.lambda_api import serve_local
from advisor.targets.local import LocalTarget

HANDLER = f"{Path(__file__).resolve().parents[1] / 'tests' / 'targets' / 'handlers.py'}:echo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=200)
    args = parser.parse_args()
    direct_ms, served_ms = [], []
    with LocalTarget(HANDLER, memory_mb=1769, isolation="none") as target, \
            serve_local(HANDLER, memory_mb=1769, isolation="none") as server:
        client = boto3.client("lambda", endpoint_url=server.endpoint_url, region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="x",
                              config=Config(retries={"max_attempts": 1}))
        target.invoke({})
        client.invoke(FunctionName="handlers", LogType="Tail")  # both warm
        for _ in range(args.invocations):
            started = time.perf_counter()
            target.invoke({"x": 1})
            direct_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.invoke(FunctionName="handlers", Payload=b'{"x": 1}', LogType="Tail")["Payload"].read()
            served_ms.append((time.perf_counter() - started) * 1000)
    for name, times in (("LocalTarget.invoke", direct_ms), ("boto3 Invoke via serve", served_ms)):
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"{name:24s} median {statistics.median(times):7.2f} ms   p90 {p90:7.2f} ms")
    overhead = statistics.median(s - d for s, d in zip(served_ms, direct_ms, strict=True))
    print(f"overhead per invocation  median {overhead:7.2f} ms over {args.invocations} interleaved pairs")


if __name__ == "__main__":
    main()
