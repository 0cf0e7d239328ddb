"""Generate realistic plain-text Lambda logs for the benchmarks and tests.

Styles (``--style``):

- ``s3`` (the default): an S3 export. Each invocation is START, sometimes an application
  line, END and REPORT, every line prefixed with its ISO 8601 UTC time; about 2% of
  invocations are cold (INIT_START before START, ``Init Duration`` in the REPORT).
- ``report``: only the REPORT lines, what ``aws logs filter-log-events --filter-pattern
  REPORT`` returns, one message a line with the event's time before it as S3 exports and
  ``aws logs tail`` dumps print it (``2024-11-01T06:05:46.323Z REPORT RequestId: ...``,
  see ``export-iso-prefixed-lines`` in /work/shared/data/lambda-logs).
- ``report-bare``: the same messages without a time (the ``message`` fields of
  ``filter-log-events`` JSON printed one a line, e.g. ``jq -j '.events[].message'``):
  ``REPORT RequestId: ...<TAB>Max Memory Used: 75 MB<TAB>``.
- ``json``: the S3 export's events as ``aws logs filter-log-events`` prints them: one JSON
  document, ``{"events": [...], "searchedLogStreams": []}``, indented by four spaces, each
  event with ``logStreamName``, ``timestamp`` and ``ingestionTime`` (epoch ms), ``message``
  (Lambda's lines without the time prefix, the runtime's with its own, ending in a newline)
  and ``eventId`` (see
  ``export-get-log-events-cli-json`` in /work/shared/data/lambda-logs). ``lines`` counts
  events.
- ``json-log``: the same invocations as a function with ``LogFormat=JSON`` writes them, one
  JSON document a line as CloudWatch stores them (see ``S181`` in /work/shared/data/lambda-logs):
  ``platform.initStart`` for a cold start, ``platform.start``, sometimes the runtime's JSON
  application line (``timestamp``, ``level``, ``requestId``, ``message``),
  ``platform.runtimeDone`` and ``platform.report`` (``initDurationMs`` when cold).

Lambda ends every REPORT message with a tab. Seeded, so the same arguments give the same
file; gzip when the name ends in ``.gz``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

START = datetime(2026, 1, 5, tzinfo=timezone.utc)
STYLES = ("s3", "report", "report-bare", "json", "json-log")
#: Lines written at once.
_FLUSH_LINES = 50_000
#: The log stream of the JSON style's events.
_STREAM = "2026/01/05/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _invocations(seed: int) -> Iterator[tuple[list[str], str]]:
    """Endless invocations: (the lines before the REPORT, the REPORT line), time-prefixed."""
    rng = np.random.default_rng(seed)
    rid_rng = np.random.default_rng(seed + 1)
    t = START
    while True:
        t += timedelta(milliseconds=float(rng.exponential(40.0)))
        rid = str(uuid.UUID(bytes=rid_rng.bytes(16), version=4))
        duration = round(float(rng.lognormal(4.0, 0.6)), 2)
        cold = rng.random() < 0.02
        init = round(float(rng.lognormal(6.0, 0.3)), 2) if cold else None
        end = t + timedelta(milliseconds=duration + (init or 0.0))
        stamp, end_stamp = _stamp(t), _stamp(end)
        before = []
        if cold:
            before.append(f"{stamp} INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn\n")
        before.append(f"{stamp} START RequestId: {rid} Version: $LATEST\n")
        if rng.random() < 0.3:
            before.append(f"{stamp}\t{rid}\tINFO\tpredicted class 7 in {duration} ms\n")
        before.append(f"{end_stamp} END RequestId: {rid}\n")
        billed = int(np.ceil(duration))
        report = (f"{end_stamp} REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\t"
                  f"Billed Duration: {billed} ms\tMemory Size: 1024 MB\t"
                  f"Max Memory Used: {int(rng.integers(180, 400))} MB\t")
        if init is not None:
            report += f"Init Duration: {init:.2f} ms\t"
        yield before, report + "\n"


def generate(path: Path, lines: int | None = None, *, seed: int = 0, style: str = "s3",
             size: int | None = None) -> int:
    """Write ``lines`` lines (events for ``json``) or ``size`` bytes of text at least to ``path``
    (gzip if it ends in .gz), in whole invocations; return the lines (events) written.

    Args:
        path: The file to write.
        lines: Lines (events) to write at least.
        seed: Seeds the invocations.
        style: One of :data:`STYLES`.
        size: Or: bytes of text to write at least.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}: one of {', '.join(STYLES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.suffix == ".gz" else open
    head, tail = ('{\n    "events": [', '\n    ],\n    "searchedLogStreams": []\n}\n') if style == "json" else ("", "")
    written = units = 0
    chunk: list[str] = []
    with opener(path, "wt") as out:
        out.write(head)
        for before, report in _invocations(seed):
            if (lines is not None and units >= lines) or (size is not None and written >= size):
                break
            if style == "json":
                events = [_event(line, units + k) for k, line in enumerate(before + [report])]
                text = ("," if units else "") + ",".join(events)
                units += len(events)
            elif style == "json-log":
                documents = [_json_log_line(line) for line in [*before, report]]
                text = "".join(documents)
                units += len(documents)
            else:
                text = "".join(before if style == "s3" else []) + (report[25:] if style == "report-bare" else report)
                units += 1 + (len(before) if style == "s3" else 0)
            chunk.append(text)
            written += len(text)
            if len(chunk) > _FLUSH_LINES:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk) + tail)
    return units


def _event(line: str, number: int) -> str:
    """One time-prefixed line as an event of ``filter-log-events`` JSON (as the CLI indents it)."""
    stamp = datetime.fromisoformat(line[:23]).replace(tzinfo=timezone.utc)
    ms = int(stamp.timestamp() * 1000)
    # Lambda's own lines carry no time (the event has it); the runtime's lines keep theirs.
    message = json.dumps(line[25:] if line[24] == " " else line)
    return (f'\n        {{\n            "logStreamName": "{_STREAM}",\n            "timestamp": {ms},'
            f'\n            "message": {message},\n            "ingestionTime": {ms + 412},'
            f'\n            "eventId": "{ms:020d}{number:036d}"\n        }}')


def _json_log_line(line: str) -> str:
    """One time-prefixed line of the text style as the JSON log format writes it (a line)."""
    stamp, message = line[:24], line[25:].rstrip("\n")
    if line[24] == "\t":  # the runtime's application line: its own JSON
        _, rid, level, text = line.rstrip("\n").split("\t", 3)
        return json.dumps({"timestamp": stamp, "level": level, "requestId": rid, "message": text},
                          separators=(",", ":")) + "\n"
    kind, _, rest = message.partition(" ")
    fields = dict(part.split(": ", 1) for part in rest.split("\t") if ": " in part)
    rid = fields.get("RequestId", "")
    if kind == "INIT_START":
        event = {"type": "platform.initStart", "record": {"initializationType": "on-demand", "phase": "init",
                                                          "runtimeVersion": "python:3.12.v40"}}
    elif kind == "START":
        event = {"type": "platform.start", "record": {"requestId": rest.split()[1], "version": "$LATEST"}}
    elif kind == "END":
        event = {"type": "platform.runtimeDone", "record": {"requestId": rest.split()[1], "status": "success"}}
    else:
        metrics = {"durationMs": float(fields["Duration"][:-3]),
                   "billedDurationMs": int(fields["Billed Duration"][:-3]),
                   "memorySizeMB": int(fields["Memory Size"][:-3]),
                   "maxMemoryUsedMB": int(fields["Max Memory Used"][:-3])}
        if "Init Duration" in fields:
            metrics["initDurationMs"] = float(fields["Init Duration"][:-3])
        event = {"type": "platform.report", "record": {"requestId": rid, "metrics": metrics, "status": "success"}}
    return json.dumps({"time": stamp, **event}, separators=(",", ":")) + "\n"


def bench_log(lines: int, style: str = "s3") -> tuple[Path, int]:
    """The benchmark log of ``lines`` lines in bench/_out/ (generated once), and its line count."""
    name = {"s3": f"report_{lines}.log", "report": f"report-only_{lines}.log",
            "report-bare": f"report-bare_{lines}.log", "json": f"events_{lines}.json",
            "json-log": f"json-log_{lines}.log"}[style]
    path = Path(__file__).resolve().parent / "_out" / name
    if not path.exists():
        generate(path, lines, style=style)
    with path.open("rb") as handle:
        total = sum(1 for _ in handle)
    print(f"{path.name}: {total:,} lines, {path.stat().st_size / 1e6:.0f} MB")
    return path, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--style", choices=STYLES, default="s3")
    parser.add_argument("--report-only", action="store_const", const="report", dest="style",
                        help="the same as --style report")
    args = parser.parse_args()
    print(f"{generate(args.path, args.lines, seed=args.seed, style=args.style)} lines written to {args.path}")


if __name__ == "__main__":
    main()
