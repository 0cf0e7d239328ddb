"""The general import path (detection + exact parsers) on a few-MB file of each log format.

Files under 4 MB never reach the fast path: they are detected by content and parsed by the
exact parsers. This generates the same invocations (``gen_logs.generate``, seeded) as a plain
text log, a ``filter_log_events`` JSON export (indented as the AWS CLI prints it), a file of
JSON-log-format lines (``platform.start``/``runtimeDone``/``report`` only), the same with
the runtime's JSON application lines between them, and a subscription payload; then times
:func:`advisor.logs.read_paths` on each in one process (after one untimed run) and prints
the medians of ``--runs`` runs (wall seconds, and CPU seconds of all threads, steadier on
a shared machine) and the records found.

    python bench/bench_formats.py [--lines 30000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_NS_PER_MS = 1_000_000


def _events(text_log: Path) -> list[dict]:
    """``{timestamp, message}`` events of an S3-export-style log (time prefix removed)."""
    from datetime import datetime

    events = []
    for line in text_log.read_text().splitlines():
        stamp, message = re.split(r"[ \t]", line, maxsplit=1)
        ms = int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
        events.append({"timestamp": ms, "message": message + "\n", "ingestionTime": ms + 250})
    return events


def _json_log_lines(events: list[dict], *, app_lines: bool) -> str:
    """The invocations as LogFormat=JSON records, one per line."""
    from advisor.logs.report import MARKER, parse_report

    out = []
    for event in events:
        message = event["message"]
        time_text = datetime_text(event["timestamp"])
        if message.startswith("START RequestId: "):
            rid = message.split()[2]
            out.append({"time": time_text, "type": "platform.start",
                        "record": {"requestId": rid, "version": "$LATEST"}})
        elif MARKER in message:
            report = parse_report(message)
            metrics = {"durationMs": report.duration_ms, "billedDurationMs": report.billed_duration_ms,
                       "memorySizeMB": report.memory_mb, "maxMemoryUsedMB": report.max_memory_used_mb}
            if report.init_ms is not None:
                metrics["initDurationMs"] = report.init_ms
            out.append({"time": time_text, "type": "platform.runtimeDone",
                        "record": {"requestId": report.request_id, "status": "success",
                                   "metrics": {"durationMs": report.duration_ms, "producedBytes": 50}}})
            out.append({"time": time_text, "type": "platform.report",
                        "record": {"requestId": report.request_id, "metrics": metrics,
                                   "status": "success"}})
        elif app_lines and "\tINFO\t" in message:
            rid, _, text = message.rstrip("\n").split("\t", 2)
            out.append({"timestamp": time_text, "level": "INFO", "requestId": rid, "message": text})
    return "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in out)


def datetime_text(ms: int) -> str:
    """Lambda's ``time`` field: ISO 8601 UTC with milliseconds."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def make_files(lines: int, folder: Path) -> dict[str, Path]:
    """The benchmark files in ``folder`` (generated once per line count)."""
    sys.path.insert(0, str(HERE))
    from gen_logs import generate

    folder.mkdir(parents=True, exist_ok=True)
    text = folder / f"formats_{lines}.log"
    files = {
        "text": text,
        "cloudwatch-json (filter_log_events)": folder / f"formats_{lines}.filter.json",
        "cloudwatch-json (subscription)": folder / f"formats_{lines}.subscription.json",
        "JSON log format lines": folder / f"formats_{lines}.jsonlog",
        "JSON log format lines + app lines": folder / f"formats_{lines}.app.jsonlog",
    }
    if all(path.exists() for path in files.values()):
        return files
    generate(text, lines)
    events = _events(text)
    files["cloudwatch-json (filter_log_events)"].write_text(json.dumps(
        {"events": [dict(e, logStreamName="2026/01/05/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                         eventId=str(i)) for i, e in enumerate(events)],
         "searchedLogStreams": []}, indent=4))
    files["cloudwatch-json (subscription)"].write_text(json.dumps(
        {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/lambda/bench",
         "logStream": "2026/01/05/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0",
         "subscriptionFilters": ["bench"],
         "logEvents": [{"id": str(i), "timestamp": e["timestamp"], "message": e["message"]}
                       for i, e in enumerate(events)]}))
    files["JSON log format lines"].write_text(_json_log_lines(events, app_lines=False))
    files["JSON log format lines + app lines"].write_text(_json_log_lines(events, app_lines=True))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from advisor.errors import AdvisorError
    from advisor.logs import read_paths

    for label, path in make_files(args.lines, HERE / "_out").items():
        try:
            result = read_paths([path], function="bench")
        except AdvisorError as exc:
            print(f"{label:38s} {path.stat().st_size / 1e6:5.1f} MB  error: {exc}")
            continue
        times, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            read_paths([path], function="bench")
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(f"{label:38s} {path.stat().st_size / 1e6:5.1f} MB  {statistics.median(times):6.3f} s  "
              f"CPU {statistics.median(cpu):6.3f} s  {len(result.records):,} records as {result.format}  "
              f"(runs {', '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()
