"""Reading Power Tuning's results: the state machine's output JSON, or its visualization URL.

The output (``lambda/analyzer.js``, the state machine's ``OutputPath: $.analysis``) is
``{"power", "cost", "duration", "stateMachine": {"executionCost", "lambdaCost",
"visualization"}, "stats": [{"value", "averagePrice", "averageDuration"}, ...]}``, with
``stats`` only when the execution ran with ``includeOutputResults``. It is accepted as it is,
under ``results`` (Power Tuning's README) or ``output`` (the console), and as the
``aws stepfunctions describe-execution`` or ``get-execution-history`` response, where the
output is a JSON string and the execution's input gives ``num`` (invocations per size),
``discardTopBottom`` and ``lambdaARN``. Every size comes from ``stats`` when present, else from
the visualization URL; one that cannot be read is an error naming it, never skipped.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from advisor.errors import InputError, NotFoundError
from advisor.platform.aws_lambda import ARCHITECTURES, MEMORY
from advisor.powertuning.results import FORMAT_OUTPUT, FORMAT_URL, ParsedInput, SizeResult
from advisor.powertuning.url import DEFAULT_CURRENCY, Chart, decode_url, encode_url, is_url

#: Power Tuning's trimmed fraction when the execution input does not set one.
DEFAULT_DISCARD_TOP_BOTTOM: Final = 0.2
#: ... and the most it trims of each side, whatever the input asks (``lambda/executor.js``).
MAX_DISCARD_TOP_BOTTOM: Final = 0.4
_HINT: Final = ("Give the execution's output as Power Tuning wrote it (aws stepfunctions "
                "describe-execution --execution-arn ARN > out.json), or its visualization URL.")


def read_input(given: str, *, architecture: str | None = None) -> ParsedInput:
    """Read one input: a visualization URL, or a file holding an output JSON or such a URL.

    Args:
        given: The URL or the file path, as the user gave it.
        architecture: The function's architecture, when the user said it.

    Raises:
        NotFoundError: no such file.
        InputError: the input is neither, or a size in it cannot be read (named).
    """
    if is_url(given):
        return from_url(given, given, architecture=architecture)
    path = Path(given)
    if not path.is_file():
        raise NotFoundError(f"{given}: no such file.",
                            hint="Give a file holding Power Tuning's output, or its visualization URL.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{given}: not a text file ({exc.reason} at byte {exc.start}).", hint=_HINT) from None
    except OSError as exc:
        raise InputError(f"{given}: cannot read it ({exc.strerror or exc}).") from None
    if is_url(text) and len(text.split()) == 1:
        return from_url(given, text.strip(), architecture=architecture)
    return from_output(given, text, architecture=architecture)


def from_url(source: str, url: str, *, architecture: str | None = None) -> ParsedInput:
    """The sizes of a visualization URL (a comparison's two sets need architectures as legends).

    Raises:
        InputError: the URL does not decode, or it compares two sets that are not architectures.
    """
    chart = decode_url(url)
    return ParsedInput(source, FORMAT_URL, _url_reason(chart),
                       _chart_sizes(source, chart, architecture))


def from_output(source: str, text: str, *, architecture: str | None = None) -> ParsedInput:
    """The sizes of an execution output (in any of the accepted wrappings).

    Raises:
        InputError: not JSON, not Power Tuning's output, or a size that cannot be read.
    """
    document = _json(source, text)
    output, execution_input, wrapper = _unwrap(source, document)
    num, discard, arn = _input_facts(execution_input)
    stats = output.get("stats")
    if stats is not None:
        sizes = _stats_sizes(source, stats, architecture, num, discard)
        return ParsedInput(source, FORMAT_OUTPUT, f"stats of {wrapper}", sizes, arn)
    state_machine = output.get("stateMachine")
    visualization = state_machine.get("visualization") if isinstance(state_machine, dict) else None
    if not isinstance(visualization, str):
        raise InputError(f"{source}: {wrapper} has neither stats nor stateMachine.visualization.",
                         hint="Run Power Tuning with includeOutputResults: true, or give its visualization URL.")
    try:
        chart = decode_url(visualization)
    except InputError as exc:
        raise InputError(f"{source}: {wrapper} has no stats (run with includeOutputResults: true) and its "
                         f"visualization does not decode: {exc.message}",
                         hint="Run it with includeOutputResults: true, or give the visualization URL "
                              "exactly as it printed it.") from None
    parsed = _chart_sizes(source, chart, architecture)
    sizes = tuple(_with_input(size, num, discard) for size in parsed)
    return ParsedInput(source, FORMAT_URL, f"stateMachine.visualization of {wrapper} (no stats)", sizes, arn)


def _json(source: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}).", hint=_HINT) from None
    except RecursionError:
        raise InputError(f"{source}: not JSON (nested too deeply).", hint=_HINT) from None


def _unwrap(source: str, document: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(the analyzer's output, the execution input or {}, what the output was found in)."""
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        return _from_history(source, document["events"])
    if isinstance(document, dict) and "executionArn" in document and "output" not in document:
        status = document.get("status", "unknown")
        raise InputError(f"{source}: the execution's status is {status} and it has no output.",
                         hint="Import the output of a SUCCEEDED execution.")
    for key in ("output", "results"):
        if isinstance(document, dict) and key in document:
            inner = document[key]
            execution_input = _parsed_string(source, document.get("input"), "input")
            if isinstance(inner, str):
                inner = _parsed_string(source, inner, key)
            return _analysis(source, inner, f"the execution's {key}"), execution_input, f"the execution's {key}"
    return _analysis(source, document, "the output"), {}, "the output"


def _from_history(source: str, events: list[Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The output and input of a ``get-execution-history`` response."""
    started = _event_details(events, "ExecutionStarted", "executionStartedEventDetails")
    succeeded = _event_details(events, "ExecutionSucceeded", "executionSucceededEventDetails")
    if succeeded is None:
        failed = [e.get("type") for e in events if isinstance(e, dict)
                  and e.get("type") in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")]
        state = failed[0] if failed else "no ExecutionSucceeded event"
        raise InputError(f"{source}: the execution history has no output ({state}).",
                         hint="Import the history of a SUCCEEDED execution.")
    execution_input = _parsed_string(source, (started or {}).get("input"), "input")
    output = _parsed_string(source, succeeded.get("output"), "output")
    return _analysis(source, output, "the execution's output"), execution_input, "the execution's output"


def _event_details(events: list[Any], kind: str, key: str) -> dict[str, Any] | None:
    for event in events:
        if isinstance(event, dict) and event.get("type") == kind and isinstance(event.get(key), dict):
            return event[key]
    return None


def _parsed_string(source: str, value: Any, key: str) -> dict[str, Any]:
    """A JSON object given as a string (Step Functions' ``input``/``output``), or {} for none."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise InputError(f"{source}: {key} is a {type(value).__name__}, not the JSON text of an object.", hint=_HINT)
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: the execution's {key} is not JSON (column {exc.colno}: {exc.msg}).",
                         hint=_HINT) from None
    if not isinstance(parsed, dict):
        raise InputError(f"{source}: the execution's {key} is not a JSON object.", hint=_HINT)
    return parsed


def _analysis(source: str, value: Any, where: str) -> dict[str, Any]:
    """``value`` if it has the shape of Power Tuning's output."""
    if not isinstance(value, dict) or not ({"stats", "stateMachine", "power"} & set(value)):
        kind = type(value).__name__ if not isinstance(value, dict) else f"object with {sorted(value)[:6]}"
        raise InputError(f"{source}: {where} is not Power Tuning's output (a JSON {kind}; expected power, "
                         "cost, duration, stateMachine and stats).", hint=_HINT)
    return value


def _input_facts(execution_input: dict[str, Any]) -> tuple[int | None, float | None, str | None]:
    """(num, discardTopBottom, lambdaARN) of the execution input, None where unknown."""
    if not execution_input:
        return None, None, None
    num = _number(execution_input.get("num"))
    discard = _number(execution_input.get("discardTopBottom"))
    if execution_input.get("onlyColdStarts"):
        discard = 0.0  # Power Tuning keeps every invocation then
    elif discard is None:
        discard = DEFAULT_DISCARD_TOP_BOTTOM
    discard = min(max(discard, 0.0), MAX_DISCARD_TOP_BOTTOM)  # as Power Tuning bounds it
    arn = execution_input.get("lambdaARN")
    return (None if num is None or num < 1 else int(num), discard,
            arn if isinstance(arn, str) else None)


def _stats_sizes(source: str, stats: Any, architecture: str | None, num: int | None,
                 discard: float | None) -> tuple[SizeResult, ...]:
    if not isinstance(stats, list) or not stats:
        raise InputError(f"{source}: stats is not a list of sizes.", hint=_HINT)
    sizes: dict[int, SizeResult] = {}
    for index, item in enumerate(stats):
        where = f"{source}: stats[{index}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} is not an object with value, averageDuration and averagePrice.", hint=_HINT)
        memory = _number(item.get("value"))
        if memory is None or not MEMORY.contains(memory):
            raise InputError(f"{where}: value {item.get('value')!r} is not a memory size within "
                             f"{MEMORY.range_text()}.", hint=_HINT)
        where = f"{where} ({int(memory)} MB)"
        duration = _number(item.get("averageDuration"))
        if duration is None or duration <= 0:
            raise InputError(f"{where}: averageDuration {item.get('averageDuration')!r} is not a positive "
                             "number of ms (Power Tuning measured nothing there).",
                             hint="Remove that entry to import the other sizes, or rerun Power Tuning.")
        cost = _number(item.get("averagePrice"))
        if "averagePrice" in item and (cost is None or cost <= 0):
            raise InputError(f"{where}: averagePrice {item.get('averagePrice')!r} is not a positive cost.",
                             hint=_HINT)
        if int(memory) in sizes:
            raise InputError(f"{where}: {int(memory)} MB appears twice in stats.", hint=_HINT)
        sizes[int(memory)] = SizeResult(int(memory), duration, cost, DEFAULT_CURRENCY, architecture, num, discard)
    return tuple(sizes[m] for m in sorted(sizes))


def _number(value: Any) -> float | None:
    """A finite number (Power Tuning writes ``power`` as text in places), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _chart_sizes(source: str, chart: Chart, architecture: str | None) -> tuple[SizeResult, ...]:
    """The sizes of a chart; a comparison's sets must be architectures (its legends say which)."""
    if len(chart.sets) == 1:
        arches: list[str | None] = [architecture]
    else:
        legends = [s.legend for s in chart.sets]
        if not all(legend in ARCHITECTURES for legend in legends) or legends[0] == legends[1]:
            halves = " or ".join(f"{encode_url([replace(s, legend=None)], currency=chart.currency)} "
                                 f"({s.legend})" for s in chart.sets)
            raise InputError(f"{source} compares two sets ({', '.join(repr(x) for x in legends)}), not "
                             "the two architectures of one function.", hint=f"Import one set: {halves}")
        if architecture is not None:
            raise InputError(f"{source} compares {legends[0]} and {legends[1]}: --arch cannot name one "
                             "architecture for both.", hint="Leave out --arch; the legends say which is which.")
        arches = list(legends)
    return tuple(SizeResult(m, d, c, chart.currency, arch, exact=False)
                 for chart_set, arch in zip(chart.sets, arches, strict=True)
                 for m, d, c in zip(chart_set.memory_mb, chart_set.duration_ms, chart_set.cost, strict=True))


def _with_input(size: SizeResult, num: int | None, discard: float | None) -> SizeResult:
    return replace(size, invocations=num, discard_top_bottom=discard)


def _url_reason(chart: Chart) -> str:
    if len(chart.sets) == 1:
        return "visualization URL (sizes, durations and costs in its fragment)"
    return f"visualization URL comparing {chart.sets[0].legend} and {chart.sets[1].legend}"
