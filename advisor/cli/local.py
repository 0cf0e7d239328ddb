"""CLI commands: ``advisor local invoke``, ``replay`` and ``serve`` (a handler run like Lambda runs it)."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from advisor import limits
from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import (
    JsonOption,
    SeedOption,
    duration_option,
    keep_alive_help,
    memory_option,
    number_option,
)
from advisor.platform.aws_lambda import DEFAULT_KEEP_ALIVE_S, DEFAULT_REGION, DEFAULT_TIMEOUT_S
from advisor.record import conform, to_json_records
from advisor.targets.lambda_api.emulator import parse_variables
from advisor.targets.lambda_api.faults import SYNTAX as FAULT_SYNTAX
from advisor.targets.lambda_api.faults import Faults
from advisor.targets.lambda_api.images import parse_images
from advisor.targets.lambda_api.server import DEFAULT_HOST, DEFAULT_PORT, serve_local
from advisor.targets.local import DEFAULT_MAX_CONCURRENCY, DEFAULT_MEMORY_MB
from advisor.targets.runs import invoke_local, parse_payload, replay_local

local_app = typer.Typer(
    help="Run a Lambda handler on this machine as Lambda runs it: worker processes, real cold "
    "starts, CPU in proportion to memory, REPORT logs.",
    no_args_is_help=True,
)

HandlerArg = Annotated[str, typer.Argument(
    help="path/to/file.py:function or package.module:function.", metavar="HANDLER", show_default=False)]
MemoryOption = Annotated[int, memory_option("Memory size, which sets the CPU share too", optional=False)]
PayloadOption = Annotated[Optional[str], typer.Option(
    "--payload", help="The event as JSON, or @file.json (default {}).", metavar="JSON", show_default=False)]
KeepAliveOption = Annotated[float, duration_option("--keep-alive", keep_alive_help(), default_s=DEFAULT_KEEP_ALIVE_S)]
TimeoutOption = Annotated[float, duration_option(
    "--timeout", "Invocation timeout (Lambda's default 3s, at most 15m).", default_s=DEFAULT_TIMEOUT_S)]
LogOption = Annotated[Optional[Path], typer.Option(
    "--log", help="Append START/END/REPORT lines to this file (readable by `advisor import logs`).",
    metavar="FILE", show_default=False)]


@local_app.command("invoke")
def invoke(handler: HandlerArg, memory: MemoryOption, payload: PayloadOption = None,
           count: Annotated[int, number_option(
               "-n", limits.LOCAL_INVOCATIONS, "Invocations in a row on one warm pool")] = 1,
           keep_alive: KeepAliveOption = DEFAULT_KEEP_ALIVE_S,
           timeout: TimeoutOption = DEFAULT_TIMEOUT_S,
           log: LogOption = None, json_output: JsonOption = False) -> None:
    """Invoke HANDLER N times in a row; the first invocation is a cold start."""
    event = parse_payload(payload)
    with _terminate_as_interrupt(), _progress("invoking", count, quiet=json_output) as advance:
        run = invoke_local(handler, memory_mb=memory, payload=event, count=count,
                           keep_alive_s=keep_alive, timeout_s=timeout, log_path=log, on_done=advance)
    records = to_json_records(conform(pd.DataFrame(run.records)))
    if json_output:
        emit_json({"records": records, **_limits(run.describe)})
        return
    out = console()
    out.print(_records_table(records))
    last = run.invocations[-1]
    out.print(f"response: {last.response!r}" if last.error_message is None
              else f"error: {last.error_message}", markup=False)
    _print_limits(run.describe)


@local_app.command("replay")
def replay(handler: HandlerArg,
           trace: Annotated[Path, typer.Option(
               "--trace", help="A trace advisor imports, or a CSV with a timestamp column (epoch s or ISO 8601).",
               metavar="PATH", show_default=False)],
           memory: MemoryOption, payload: PayloadOption = None,
           keep_alive: KeepAliveOption = DEFAULT_KEEP_ALIVE_S,
           speedup: Annotated[float, number_option(
               "--speedup", limits.SPEEDUP, "Compress time (and the keep-alive) by X", metavar="X")] = 1.0,
           max_concurrency: Annotated[int, number_option(
               "--max-concurrency", limits.CONCURRENCY_LIMIT, "Most workers at once; beyond, requests are throttled")]
           = DEFAULT_MAX_CONCURRENCY,
           timeout: TimeoutOption = DEFAULT_TIMEOUT_S, log: LogOption = None,
           json_output: JsonOption = False) -> None:
    """Send HANDLER the trace's requests at their arrival times, with real concurrency."""
    event = parse_payload(payload)
    with _terminate_as_interrupt(), _progress("replaying", None, quiet=json_output) as advance:
        run = replay_local(handler, trace, memory_mb=memory, payload=event, keep_alive_s=keep_alive,
                           speedup=speedup, max_concurrency=max_concurrency, timeout_s=timeout,
                           log_path=log, on_start=advance.total, on_done=advance)
    summary = run.summary()
    if json_output:
        emit_json({"summary": summary, "records": to_json_records(conform(pd.DataFrame(run.records))),
                   **_limits(run.describe)})
        return
    console().print(_summary_table(summary))
    _print_limits(run.describe)
    if summary["cpu_oversubscribed"]:
        error_console().print(
            f"warning: {summary['peak_concurrency']} workers ran at once; their CPU shares add up to "
            f"more than the {run.describe['usable_cores']:g} cores this machine gives them, so busy "
            "ones ran slower than on Lambda. Use a lower --speedup or --max-concurrency.",
            markup=False)
    if log is not None:
        console().print(f"REPORT log: {log}", markup=False)


@local_app.command("serve")
def serve(handler: HandlerArg,
          port: Annotated[int, number_option("--port", limits.PORT, "Port to listen on")] = DEFAULT_PORT,
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = DEFAULT_HOST,
          function_name: Annotated[Optional[str], typer.Option(
              "--function-name", help="The function's name (default: from the handler).", show_default=False)] = None,
          memory: Annotated[int, memory_option("Memory size of $LATEST at start")] = DEFAULT_MEMORY_MB,
          timeout: TimeoutOption = DEFAULT_TIMEOUT_S,
          env: Annotated[Optional[list[str]], typer.Option(
              "--env", help="An environment variable KEY=VALUE (repeatable).", metavar="KEY=VALUE")] = None,
          log_format: Annotated[str, typer.Option("--log-format", help="Text or JSON (LoggingConfig.LogFormat).")]
          = "Text",
          keep_alive: KeepAliveOption = DEFAULT_KEEP_ALIVE_S,
          max_concurrency: Annotated[int, number_option(
              "--max-concurrency", limits.CONCURRENCY_LIMIT, "Invocations at once; beyond, 429 TooManyRequests")]
          = DEFAULT_MAX_CONCURRENCY,
          update_delay: Annotated[float, duration_option(
              "--update-delay", "How long a configuration update stays InProgress.", default_s=0.0)] = 0.0,
          inject: Annotated[Optional[str], typer.Option(
              "--inject", help=f"Faults to inject: {FAULT_SYNTAX}.", metavar="FAULTS", show_default=False)] = None,
          image: Annotated[Optional[list[str]], typer.Option(
              "--image", help="A container image UpdateFunctionCode may name, REPO:TAG=sha256:HEX (repeatable).",
              metavar="URI=DIGEST")] = None,
          image_uri: Annotated[Optional[str], typer.Option(
              "--image-uri", help="Serve an image function with this image (one of --image, by tag or digest); "
                                  "HANDLER still runs.", metavar="URI", show_default=False)] = None,
          seed: SeedOption = 0, log: LogOption = None) -> None:
    """Serve HANDLER under the AWS Lambda API (like `sam local start-lambda`) until Ctrl-C."""
    options = {"function_name": function_name, "memory_mb": memory, "timeout_s": timeout, "log_path": log,
               "environment": parse_variables(env), "log_format": log_format, "keep_alive_s": keep_alive,
               "max_concurrency": max_concurrency, "update_delay_s": update_delay, "faults": Faults.parse(inject),
               "images": parse_images(image), "image_uri": image_uri, "seed": seed}
    with _terminate_as_interrupt(), serve_local(handler, host=host, port=port, **options) as server:
        name, url = server.emulator.function_name, server.endpoint_url
        try:  # Ctrl-C from the moment it serves, even while the lines below are printed, is a stop
            console().print(f"Serving {handler} as Lambda function {name!r} at {url}\n"
                            f"  advisor tune {name} --endpoint-url {url} --region {DEFAULT_REGION} ...\n"
                            f"  aws lambda invoke --endpoint-url {url} --function-name {name} out.json\n"
                            "Any credentials are accepted. Ctrl-C stops.", markup=False, highlight=False,
                            soft_wrap=True)
            _print_limits(server.emulator.describe())
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console().print("stopped.", markup=False)


@local_app.command("profile")
def profile(handler: HandlerArg,
            device: Annotated[str, typer.Option("--device", help="cpu, or cuda where PyTorch sees a GPU.")] = "cpu",
            batches: Annotated[str, typer.Option("--batches", help="Batch sizes to time.")] = "1,8,32",
            count: Annotated[int, number_option("-n", limits.LOCAL_INVOCATIONS, "Timed invocations per size")] = 5,
            batch_key: Annotated[str, typer.Option(
                "--batch-key", help="Event key the batch size is sent in.")] = "batch",
            payload: PayloadOption = None,
            out: Annotated[Optional[Path], typer.Option("--out", help="Write batch,ms for --gpu-ms FILE.",
                                                        metavar="FILE", show_default=False)] = None,
            json_output: JsonOption = False) -> None:
    """Time HANDLER per batch size (median ms), for advisor breakeven --gpu-ms; see docs/breakeven.md."""
    from advisor.breakeven.profile import parse_batches, profile_handler

    with _terminate_as_interrupt():
        result = profile_handler(handler, device=device, batches=parse_batches(batches), repeats=count,
                                 batch_key=batch_key,
                                 payload=parse_payload(payload))
    if out is not None:
        result.write_csv(out)
    document = result.to_dict()
    if json_output:
        emit_json(document)
        return
    table = Table(title=f"{handler} on {device}", title_justify="left")
    for name in ("batch", "median ms", "per item ms"):
        table.add_column(name, justify="right")
    for row in document["batches"]:
        table.add_row(str(row["batch"]), f"{row['median_ms']:,.1f}", f"{row['median_ms'] / row['batch']:,.2f}")
    console().print(table)
    console().print(f"fitted: {result.times().describe()}\n--gpu-ms {document['gpu_ms']}", markup=False)


def _limits(describe: dict[str, Any]) -> dict[str, Any]:
    return {"cpu_limited": describe["cpu_limited"], "cpu_limit_reason": describe["cpu_limit_reason"],
            "memory_limit": describe["memory_limit"]}


def _print_limits(describe: dict[str, Any]) -> None:
    if describe["cpu_limited"]:
        console().print(f"CPU limited to {describe['vcpus']:g} vCPU (cgroup quota); memory limit: "
                        f"{describe['memory_limit']}.", markup=False)
    else:
        error_console().print(f"warning: CPU NOT limited ({describe['cpu_limit_reason']}): durations "
                              f"are this machine's, not Lambda's at this memory size; memory limit: "
                              f"{describe['memory_limit']}.", markup=False)


def _records_table(records: list[dict[str, Any]]) -> Table:
    table = Table(title="Invocations")
    for name in ("#", "request id", "init ms", "duration ms", "billed ms", "max MB", "status"):
        table.add_column(name, justify="left" if name in ("request id", "status") else "right")
    for number, r in enumerate(records, start=1):
        status = r["status"] if r["error_type"] is None else f"{r['status']} ({r['error_type']})"
        table.add_row(str(number), r["request_id"][:8], _ms(r["init_ms"]), _ms(r["duration_ms"]),
                      str(r["billed_duration_ms"]), f"{r['max_memory_used_mb']}/{r['memory_mb']}", status)
    return table


def _summary_table(summary: dict[str, Any]) -> Table:
    table = Table(title="Local replay", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("requests", str(summary["requests"]))
    rate = summary["cold_start_rate"]
    share = "n/a: none served" if rate is None else f"{rate:.1%} of served"
    table.add_row("cold starts", f"{summary['cold_starts']} ({share})")
    table.add_row("throttled", str(summary["throttled"]))
    table.add_row("errors / timeouts", f"{summary['errors']} / {summary['timeouts']}")
    table.add_row("environments", str(summary["environments"]))
    table.add_row("peak concurrency", str(summary["peak_concurrency"]))
    for name, value in summary["latency_ms"].items():
        table.add_row(f"latency {name} (init + duration)", _ms(value))
    lag = summary["send_lag_ms"]
    table.add_row("send lag p50 / max (ms)", f"{_ms(lag['p50'])} / {_ms(lag['max'])}")
    table.add_row("wall time", f"{summary['wall_s']:.1f} s at {summary['speedup']:g}x")
    return table


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


class _Advance:
    """Progress callbacks: ``advance(done)`` and ``advance.total(n)``."""

    def __init__(self, progress: Progress | None, task: Any) -> None:
        self._progress, self._task = progress, task

    def __call__(self, done: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done)

    def total(self, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=total)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so workers are stopped and cgroups removed on the way out."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _progress(what: str, total: int | None, *, quiet: bool) -> Iterator[_Advance]:
    if quiet or not sys.stderr.isatty():
        yield _Advance(None, None)
        return
    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=error_console(), transient=True) as progress:
        yield _Advance(progress, progress.add_task(what, total=total))


def register(app: typer.Typer) -> None:
    """Add the ``local`` command group to ``app``."""
    app.add_typer(local_app, name="local")
