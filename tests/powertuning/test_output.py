"""Reading Power Tuning's results: real outputs in every wrapping, and every kind of bad input."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from advisor.errors import InputError, NotFoundError
from advisor.powertuning.output import read_input
from advisor.powertuning.results import FORMAT_OUTPUT, FORMAT_URL
from advisor.powertuning.url import as_float32

DATA = Path(__file__).parent / "data"
README_URL = (DATA / "readme-visualization-url.txt").read_text().strip()
#: Issue 265's stats: (size, averageDuration, averagePrice).
ISSUE_265 = [(128, 443.89949999999993, 9.345000000000001e-7), (256, 198.4030000000001, 8.358000000000001e-7),
             (512, 88.51350000000001, 7.56e-7), (1024, 66.2415, 0.0000011256),
             (1536, 58.86233333333332, 0.000001512), (2048, 54.95933333333334, 0.0000018816000000000001)]


def _figures(parsed) -> list[tuple[int, float, float | None]]:
    return [(s.memory_mb, s.mean_duration_ms, s.cost) for s in parsed.sizes]


def test_the_output_posted_in_issue_265_gives_its_six_sizes_exactly() -> None:
    parsed = read_input(str(DATA / "issue265-output.json"))
    assert parsed.format == FORMAT_OUTPUT and "stats" in parsed.reason
    assert _figures(parsed) == ISSUE_265
    assert all(s.exact and s.currency == "USD" and s.architecture is None for s in parsed.sizes)
    assert all(s.invocations is None and s.discard_top_bottom is None for s in parsed.sizes), "unknown, not 0"


def test_the_readme_url_in_a_file_reads_as_the_url() -> None:
    parsed = read_input(str(DATA / "readme-visualization-url.txt"), architecture="arm64")
    assert parsed.format == FORMAT_URL
    assert [s.memory_mb for s in parsed.sizes] == [128, 256, 512, 1024, 1536, 3008]
    assert all(not s.exact and s.architecture == "arm64" for s in parsed.sizes)
    assert read_input(README_URL, architecture="arm64").sizes == parsed.sizes


def test_describe_execution_without_stats_reads_the_visualization_and_the_input() -> None:
    parsed = read_input(str(DATA / "describe-execution.json"))
    assert parsed.format == FORMAT_URL and "no stats" in parsed.reason
    assert parsed.lambda_arn == "arn:aws:lambda:us-east-1:123456789012:function:image-classifier"
    assert _figures(parsed) == _figures(read_input(README_URL))
    assert {(s.invocations, s.discard_top_bottom) for s in parsed.sizes} == {(50, 0.2)}, \
        "num from the input; Power Tuning's default trim when the input sets none"


def test_the_execution_history_gives_the_output_and_the_inputs_num_and_trim() -> None:
    parsed = read_input(str(DATA / "get-execution-history.json"))
    assert _figures(parsed) == ISSUE_265
    assert {(s.invocations, s.discard_top_bottom) for s in parsed.sizes} == {(10, 0.1)}
    assert parsed.lambda_arn is not None and parsed.lambda_arn.endswith(":function:api-handler")


@pytest.mark.parametrize("wrap", ["bare", "results", "output-string"])
def test_the_output_reads_alike_bare_under_results_or_as_a_string(wrap: str, tmp_path: Path) -> None:
    inner = json.loads((DATA / "issue265-output.json").read_text())["output"]
    inner["power"] = "2048"  # Power Tuning's README writes the optimum as text
    document = {"bare": inner, "results": {"results": inner}, "output-string": {"output": json.dumps(inner)}}[wrap]
    path = tmp_path / "out.json"
    path.write_text(json.dumps(document))
    assert _figures(read_input(str(path))) == ISSUE_265


def test_only_cold_starts_means_nothing_was_trimmed(tmp_path: Path) -> None:
    document = json.loads((DATA / "describe-execution.json").read_text())
    document["input"] = json.dumps({**json.loads(document["input"]), "onlyColdStarts": True, "num": 5})
    path = tmp_path / "cold.json"
    path.write_text(json.dumps(document))
    assert {(s.invocations, s.discard_top_bottom) for s in read_input(str(path)).sizes} == {(5, 0.0)}


def test_the_trim_is_bounded_as_power_tuning_bounds_it(tmp_path: Path) -> None:
    document = json.loads((DATA / "describe-execution.json").read_text())
    document["input"] = json.dumps({**json.loads(document["input"]), "discardTopBottom": 0.9, "num": "20"})
    path = tmp_path / "trim.json"
    path.write_text(json.dumps(document))
    assert {(s.invocations, s.discard_top_bottom) for s in read_input(str(path)).sizes} == {(20, 0.4)}


def test_stats_take_precedence_over_a_visualization_that_agrees(tmp_path: Path) -> None:
    inner = json.loads((DATA / "issue265-output.json").read_text())["output"]
    inner["stateMachine"]["visualization"] = README_URL
    path = tmp_path / "both.json"
    path.write_text(json.dumps(inner))
    parsed = read_input(str(path))
    assert parsed.format == FORMAT_OUTPUT and _figures(parsed) == ISSUE_265


def test_a_comparison_url_of_the_two_architectures_gives_each_its_own() -> None:
    from advisor.powertuning.url import ChartSet, encode_url

    url = encode_url([ChartSet((128, 1024), (80.0, 12.0), (1.7e-7, 2e-7), "x86_64"),
                      ChartSet((128, 1024), (70.0, 11.0), (1.2e-7, 1.5e-7), "arm64")])
    parsed = read_input(url)
    assert [(s.architecture, s.memory_mb, s.mean_duration_ms) for s in parsed.sizes] == [
        ("x86_64", 128, 80.0), ("x86_64", 1024, 12.0), ("arm64", 128, 70.0), ("arm64", 1024, 11.0)]
    with pytest.raises(InputError, match="the legends say which"):
        read_input(url, architecture="arm64")


def test_a_comparison_of_other_sets_names_the_url_of_each_half() -> None:
    from advisor.powertuning.url import ChartSet, decode_url, encode_url

    before = ChartSet((128, 512), (80.0, 30.0), (1.7e-7, 2.5e-7), "before")
    url = encode_url([before, ChartSet((128, 512), (60.0, 20.0), (1.2e-7, 1.6e-7), "after")])
    with pytest.raises(InputError, match="compares two sets \\('before', 'after'\\)") as caught:
        read_input(url)
    first = str(caught.value).split("Import one set: ")[1].split(" (before)")[0]
    assert decode_url(first).sets[0].duration_ms == before.duration_ms


@pytest.mark.parametrize(("name", "text", "says"), [
    ("broken.json", '{"stats": [', "broken.json:1:12: not JSON"),
    ("list.json", "[1, 2]", "the output is not Power Tuning's output \\(a JSON list"),
    ("invoke.json", '{"StatusCode": 200, "ExecutedVersion": "$LATEST"}',
     "not Power Tuning's output \\(a JSON object with \\['ExecutedVersion', 'StatusCode'\\]"),
    ("zero.json", '{"stats": [{"value": 128, "averageDuration": 0, "averagePrice": 0}]}',
     "stats\\[0\\] \\(128 MB\\): averageDuration 0 is not a positive number of ms"),
    ("negative.json", '{"stats": [{"value": 128, "averageDuration": -3.5, "averagePrice": 1e-7}]}',
     "averageDuration -3.5 is not a positive"),
    ("size.json", '{"stats": [{"value": 100, "averageDuration": 3.5, "averagePrice": 1e-7}]}',
     "stats\\[0\\]: value 100 is not a memory size"),
    ("twice.json", '{"stats": [{"value": 128, "averageDuration": 3, "averagePrice": 1e-7},'
                   ' {"value": "128", "averageDuration": 4, "averagePrice": 1e-7}]}', "128 MB appears twice"),
    ("price.json", '{"stats": [{"value": 128, "averageDuration": 3, "averagePrice": "cheap"}]}',
     "averagePrice 'cheap' is not a positive cost"),
    ("free.json", '{"stats": [{"value": 128, "averageDuration": 3, "averagePrice": 0}]}',
     "averagePrice 0 is not a positive cost"),
    ("machine.json", '{"power": 128, "stateMachine": "none"}', "has neither stats nor stateMachine.visualization"),
    ("empty-stats.json", '{"power": 128, "stats": []}', "stats is not a list of sizes"),
    ("running.json", '{"executionArn": "arn:x", "status": "RUNNING"}', "status is RUNNING and it has no output"),
    ("failed.json", '{"events": [{"type": "ExecutionStarted", "executionStartedEventDetails": {"input": "{}"}},'
                    ' {"type": "ExecutionFailed", "executionFailedEventDetails": {}}]}',
     "no output \\(ExecutionFailed\\)"),
    ("string.json", '{"output": "{not json"}', "the execution's output is not JSON"),
])
def test_bad_input_is_refused_by_name_with_what_to_do(name: str, text: str, says: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError, match=says) as caught:
        read_input(str(path))
    assert str(caught.value).startswith(str(path)) and caught.value.hint


def test_the_issue_83_output_without_stats_and_a_placeholder_url_is_refused() -> None:
    with pytest.raises(InputError, match=r"has no stats \(run with includeOutputResults: true\) and its "
                                         r"visualization does not decode: .*#<Embeded code>"):
        read_input(str(DATA / "issue83-output.json"))


def test_a_missing_or_binary_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"nope\.json: no such file"):
        read_input(str(tmp_path / "nope.json"))
    binary = tmp_path / "out.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(InputError, match="not a text file"):
        read_input(str(binary))


def test_url_figures_are_float32_and_the_outputs_are_exact() -> None:
    from_url = read_input(README_URL).sizes
    assert all(s.mean_duration_ms == as_float32(s.mean_duration_ms) for s in from_url)


_leaves = (st.none() | st.booleans() | st.integers(-10, 20000) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=12) | st.sampled_from([README_URL, "128", "https://lambda-power-tuning.show/#x"]))
_keys = st.sampled_from(["power", "stats", "stateMachine", "visualization", "value", "averageDuration",
                         "averagePrice", "output", "results", "input", "events", "executionArn", "status",
                         "type", "num", "x"])
_json: st.SearchStrategy[object] = st.deferred(
    lambda: _leaves | st.lists(_json, max_size=4) | st.dictionaries(_keys, _json, max_size=5))


@given(_json)
@example({"stats": None, "stateMachine": "text"})
@example({"output": {"stats": [{"value": "1e3", "averageDuration": "5"}]}, "input": "[]"})
def test_any_json_document_reads_or_fails_with_a_message(document: object) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "out.json"
        path.write_text(json.dumps(document))
        try:
            parsed = read_input(str(path))
        except InputError as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc)
            return
    assert parsed.sizes and all(s.mean_duration_ms > 0 for s in parsed.sizes)
