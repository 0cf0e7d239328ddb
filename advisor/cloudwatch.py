"""Live import from CloudWatch Logs: a function's configuration and its REPORT events.

The configuration comes from ``lambda:GetFunctionConfiguration``; events come from
``logs:FilterLogEvents`` (paginated) or, for ranges too large to page through, from
Logs Insights queries over time windows bisected until each stays under Insights'
10,000-row limit. Throttling is retried by botocore's adaptive mode (client-side rate
limiting plus backoff). The events are parsed by :func:`advisor.logs.parse_events`
and stored in one atomic workspace import.

Resuming: after a successful import the covered time range of the log group is kept
in workspace state. A later run whose start lies inside that range starts again
``RESUME_OVERLAP_MS`` before its end, to catch events CloudWatch ingested late; the
records fetched twice are dropped by the workspace's (function, request_id) key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from advisor import aws
from advisor.errors import RemoteError, UsageError
from advisor.logs import LogEvent
from advisor.tune import iam
from advisor.workspace import ImportSummary, Workspace

LOG_GROUP_PREFIX = "/aws/lambda/"
#: The most events one FilterLogEvents page may return.
PAGE_LIMIT = 10_000
#: The most rows one Logs Insights query returns.
INSIGHTS_ROW_LIMIT = 10_000
INSIGHTS_POLL_S = 1.0
INSIGHTS_TIMEOUT_S = 900.0
#: Re-read this much before the end of the covered range (late-ingested events).
RESUME_OVERLAP_MS = 5 * 60 * 1000
#: The IAM actions the import calls.
PERMISSIONS = iam.permissions_text("import")
REPORT_FILTER = '?"REPORT RequestId" ?"platform.report" ?"platform.initReport"'
INSIGHTS_QUERY = (
    "fields @timestamp, @message, @logStream "
    "| filter @message like /REPORT RequestId|platform\\.report/ "
    "| sort @timestamp asc | limit {limit}"
)
STATE_PREFIX = "cloudwatch"

#: ``progress(events_so_far, last_timestamp_ms)``
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FunctionConfig:
    """What ``GetFunctionConfiguration`` says about a function."""

    name: str
    memory_mb: int | None
    architecture: str | None
    runtime: str | None
    package_type: str | None
    log_group: str
    log_format: str | None
    region: str | None


@dataclass(frozen=True)
class CloudWatchImport:
    """The outcome of one live import."""

    config: FunctionConfig
    start_ms: int
    end_ms: int
    resumed: bool
    events: int
    summary: ImportSummary
    rejected: list[Any]


@dataclass(frozen=True)
class Coverage:
    """The time range of a log group already imported, in epoch ms (end exclusive)."""

    start_ms: int
    end_ms: int


def clients(
    region: str | None,
    profile: str | None,
    endpoint_url: str | None = None,
    session: boto3.Session | None = None,
) -> tuple[Any, Any]:
    """Lambda and CloudWatch Logs clients (:func:`advisor.aws.clients`).

    Raises:
        RemoteError: the profile does not exist or no region is configured.
    """
    lam, logs = aws.clients(("lambda", "logs"), region=region, profile=profile, endpoint_url=endpoint_url,
                            session=session)
    return lam, logs


def function_config(lam: Any, name: str) -> FunctionConfig:
    """Read the function's configuration.

    Raises:
        NotFoundError: the function does not exist in that account and region.
        RemoteError: no credentials, access denied, or another AWS failure.
    """
    with aws_errors(f"function {name!r}"):
        conf = lam.get_function_configuration(FunctionName=name)
    logging = conf.get("LoggingConfig") or {}
    architectures = conf.get("Architectures") or [None]
    return FunctionConfig(
        name=conf.get("FunctionName", name),
        memory_mb=conf.get("MemorySize"),
        architecture=architectures[0],
        runtime=conf.get("Runtime"),
        package_type=conf.get("PackageType"),
        log_group=logging.get("LogGroup") or LOG_GROUP_PREFIX + conf.get("FunctionName", name),
        log_format=logging.get("LogFormat"),
        region=lam.meta.region_name,
    )


def filter_events(
    logs: Any,
    log_group: str,
    start_ms: int,
    end_ms: int,
    *,
    page_limit: int = PAGE_LIMIT,
    progress: Progress | None = None,
) -> Iterator[LogEvent]:
    """Every REPORT event of ``log_group`` with ``start_ms <= timestamp < end_ms``, page by page."""
    request: dict[str, Any] = {
        "logGroupName": log_group,
        "startTime": start_ms,
        "endTime": end_ms - 1,  # FilterLogEvents' endTime is inclusive
        "filterPattern": REPORT_FILTER,
        "limit": page_limit,
    }
    seen = 0
    while True:
        with aws_errors(f"log group {log_group!r}"):
            page = logs.filter_log_events(**request)
        for event in page.get("events", []):
            seen += 1
            yield LogEvent(event["timestamp"], event["message"], event.get("logStreamName"))
        if progress is not None and page.get("events"):
            progress(seen, page["events"][-1]["timestamp"])
        token = page.get("nextToken")
        if not token:
            return
        request["nextToken"] = token


def insights_events(
    logs: Any,
    log_group: str,
    start_ms: int,
    end_ms: int,
    *,
    row_limit: int = INSIGHTS_ROW_LIMIT,
    poll_s: float = INSIGHTS_POLL_S,
    progress: Progress | None = None,
) -> Iterator[LogEvent]:
    """REPORT events through Logs Insights, bisecting any window whose result hits ``row_limit``.

    Insights times are whole seconds and both ends are inclusive, so windows are
    ``[first_s, last_s]`` with no second in two windows.
    """
    pending = [(start_ms // 1000, (end_ms - 1) // 1000)]
    seen = 0
    while pending:
        first_s, last_s = pending.pop(0)
        rows = _run_query(logs, log_group, first_s, last_s, row_limit, poll_s)
        if len(rows) >= row_limit:
            if first_s == last_s:
                raise RemoteError(
                    f"more than {row_limit:,} REPORT events in the one second {first_s} of {log_group}.",
                    hint="Import this range without --insights (FilterLogEvents pages through any volume).",
                )
            middle = (first_s + last_s) // 2
            pending[:0] = [(first_s, middle), (middle + 1, last_s)]
            continue
        for row in rows:
            event = _insights_event(row)
            if event.timestamp_ms is not None and start_ms <= event.timestamp_ms < end_ms:
                seen += 1
                yield event
        if progress is not None:
            progress(seen, min(end_ms, (last_s + 1) * 1000))


def _run_query(logs: Any, log_group: str, first_s: int, last_s: int, limit: int, poll_s: float) -> list[Any]:
    with aws_errors(f"log group {log_group!r}"):
        query_id = logs.start_query(
            logGroupName=log_group,
            startTime=first_s,
            endTime=last_s,
            queryString=INSIGHTS_QUERY.format(limit=limit),
            limit=limit,
        )["queryId"]
        deadline = time.monotonic() + INSIGHTS_TIMEOUT_S
        while True:
            answer = logs.get_query_results(queryId=query_id)
            status = answer["status"]
            if status == "Complete":
                return answer["results"]
            if status not in ("Scheduled", "Running"):
                raise RemoteError(f"Logs Insights query {query_id} on {log_group} ended {status}.")
            if time.monotonic() > deadline:
                raise RemoteError(f"Logs Insights query {query_id} on {log_group} did not finish in time.")
            time.sleep(poll_s)


def _insights_event(row: list[dict[str, str]]) -> LogEvent:
    fields = {cell["field"]: cell["value"] for cell in row}
    stamp = datetime.strptime(fields["@timestamp"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return LogEvent(round(stamp.timestamp() * 1000), fields.get("@message", ""), fields.get("@logStream"))


def import_cloudwatch(
    ws: Workspace,
    function: str,
    *,
    since: datetime,
    until: datetime | None = None,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    insights: bool = False,
    page_limit: int = PAGE_LIMIT,
    progress: Progress | None = None,
    now: datetime | None = None,
    session: boto3.Session | None = None,
) -> CloudWatchImport:
    """Import ``function``'s REPORT events from ``since`` to ``until`` (default now).

    Raises:
        UsageError: ``since`` is not before ``until``.
        NotFoundError: the function or its log group does not exist.
        RemoteError: credentials, permissions or another AWS failure.
    """
    from advisor.logs import parse_events  # the parsers live on the imports branch

    end_ms = _ms(until or now or datetime.now(UTC))
    requested_ms = _ms(since)
    if requested_ms >= end_ms:
        raise UsageError(f"--since {_iso(requested_ms)} is not before --until {_iso(end_ms)}.")
    lam, logs = clients(region, profile, endpoint_url, session)
    config = function_config(lam, function)
    key = state_key(config)
    covered = _coverage(ws.get_state(key))
    start_ms, resumed = resume_start(covered, requested_ms, end_ms)
    if insights:
        events = list(insights_events(logs, config.log_group, start_ms, end_ms, progress=progress))
    else:
        events = list(filter_events(logs, config.log_group, start_ms, end_ms, page_limit=page_limit, progress=progress))
    source = f"cloudwatch:{config.region}:{config.log_group}"
    result = parse_events(events, function=config.name, source=source)
    records = result.records.assign(architecture=config.architecture)
    ws.upsert_function(
        config.name,
        memory_mb=config.memory_mb,
        architecture=config.architecture,
        runtime=config.runtime,
        package_type=config.package_type,
        log_group=config.log_group,
        log_format=config.log_format,
        region=config.region,
    )
    summary = ws.import_records(
        records,
        source=source,
        format="cloudwatch-insights" if insights else "cloudwatch",
        lines=result.lines,
        parsed=result.parsed,
        ignored=result.ignored,
        rejected=len(result.rejected),
    )
    ws.set_state(key, json.dumps(_merge(covered, Coverage(start_ms, end_ms)).__dict__))
    return CloudWatchImport(config, start_ms, end_ms, resumed, len(events), summary, result.rejected)


def state_key(config: FunctionConfig) -> str:
    """Workspace state key holding a log group's imported coverage."""
    return f"{STATE_PREFIX}:{config.region}:{config.log_group}"


def resume_start(covered: Coverage | None, start_ms: int, end_ms: int) -> tuple[int, bool]:
    """Where to start fetching, and whether that resumes an earlier import."""
    if covered is None or not covered.start_ms <= start_ms <= covered.end_ms:
        return start_ms, False
    return max(start_ms, min(covered.end_ms, end_ms) - RESUME_OVERLAP_MS), True


def _coverage(text: str | None) -> Coverage | None:
    if not text:
        return None
    data = json.loads(text)
    return Coverage(int(data["start_ms"]), int(data["end_ms"]))


def _merge(old: Coverage | None, new: Coverage) -> Coverage:
    if old is None or new.start_ms > old.end_ms or new.end_ms < old.start_ms:
        return new
    return Coverage(min(old.start_ms, new.start_ms), max(old.end_ms, new.end_ms))


def aws_errors(what: str) -> aws.aws_errors:
    """AWS failures of the import as advisor errors, naming the permissions it needs."""
    return aws.aws_errors(what, permissions=PERMISSIONS)


def _ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
