"""Two commands asked the same question give the same number (issue 12's defects, one test each)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from advisor.pricing._catalog import bundled_dir

REPO = Path(__file__).resolve().parents[2]
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
FUNCTION = "543bec406831"


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    """The command's JSON document, without the wall times that differ between any two runs."""
    assert result.exit_code == 0, result.stderr
    return _untimed(json.loads(result.stdout))


def _untimed(document):  # type: ignore[no-untyped-def]
    if isinstance(document, dict):
        return {k: _untimed(v) for k, v in document.items() if k != "sim_wall_seconds"}
    if isinstance(document, list):
        return [_untimed(v) for v in document]
    return document


def _write_requests_override(workspace: Path, price: str) -> None:
    """A workspace override catalog whose us-east-1 request price is ``price`` USD per 1M."""
    document = yaml.safe_load((bundled_dir() / "aws-lambda.yaml").read_text())
    document["regions"] = {"us-east-1": document["regions"]["us-east-1"]}
    document["regions"]["us-east-1"]["requests"]["value"] = price
    del document["settings"]
    (workspace / "pricing").mkdir(parents=True, exist_ok=True)
    (workspace / "pricing" / "aws-lambda.yaml").write_text(yaml.safe_dump(document))


@pytest.fixture
def priced_workspace(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace holding the quickstart trace and its own request price (100x the bundled one)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    workspace = tmp_path / "priced"
    assert cli("import", "trace", TRACE, "-w", workspace).exit_code == 0
    _write_requests_override(workspace, "20")
    return workspace


PRICED_COMMANDS = [
    ("analyze", FUNCTION, "--json"),
    ("replay", FUNCTION, "--json"),
    ("replay", FUNCTION, "--compare", "keep-alive=1m", "--json"),
    ("pricing", "cost", "--memory", "256", "--duration-ms", "300", "--invocations", "1000", "--json"),
    ("pricing", "show", "--provider", "lambda", "--region", "us-east-1", "--json"),
]


@pytest.mark.parametrize("command", PRICED_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_w_and_advisor_home_price_every_command_alike(cli, priced_workspace: Path, monkeypatch, command) -> None:
    monkeypatch.setenv("ADVISOR_HOME", str(priced_workspace.parent / "elsewhere"))
    with_flag = _json(cli(*command, "-w", priced_workspace))
    monkeypatch.setenv("ADVISOR_HOME", str(priced_workspace))
    with_env = _json(cli(*command))
    assert with_flag == with_env
    text = json.dumps(with_flag)
    # the workspace's own price is the one in use: 3,192 requests at $20 per million
    if command[0] == "analyze":
        assert with_flag["cost"]["period"]["requests_usd"] == "0.06384"
    elif command[0] == "replay" and "--compare" not in command:
        assert with_flag["cost_usd"]["requests_usd"] == "0.06384"
    elif command[:2] == ("pricing", "cost"):
        assert with_flag["requests_usd"] == "0.02"
    else:
        assert '"20"' in text or "0.06384" in text


def test_model_predictions_are_priced_with_the_workspace_catalog(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    data = tmp_path / "runs.csv"
    data.write_text("memory_mb,duration_ms\n" + "".join(f"{m},{d}\n" for m, d in
                    [(256, 400), (256, 410), (512, 210), (512, 205), (1024, 110), (1024, 112)]))
    cheap = tmp_path / "cheap"
    _write_requests_override(cheap, "0")
    bundled = _json(cli("model", "predict", "--data", data, "--memory", "512", "-w", tmp_path / "plain", "--json"))
    monkeypatch.setenv("ADVISOR_HOME", str(cheap))
    overridden = _json(cli("model", "predict", "--data", data, "--memory", "512", "--json"))
    # one invocation costs its request charge ($0.0000002) less with requests at $0
    difference = bundled["predictions"][0]["cost_usd"] - overridden["predictions"][0]["cost_usd"]
    assert difference == pytest.approx(0.0000002, rel=1e-6)


def test_replay_of_a_trace_file_equals_import_then_replay(cli, tmp_path: Path) -> None:
    imported = tmp_path / "imported"
    assert cli("import", "trace", TRACE, "-w", imported).exit_code == 0
    for keep_alive in ("60", "1m", "10m"):
        from_store = _json(cli("replay", FUNCTION, "--keep-alive", keep_alive, "-w", imported, "--json"))
        from_file = _json(cli("replay", "--trace", TRACE, "--keep-alive", keep_alive, "-w", tmp_path / "e",
                              "--json"))
        assert from_file == from_store
    assert from_store["cold_starts"] > 0


def test_replay_at_the_logged_configuration_costs_what_analyze_says(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("import", "trace", TRACE, "-w", workspace).exit_code == 0
    analysis = _json(cli("analyze", FUNCTION, "-w", workspace, "--json"))
    replayed = _json(cli("replay", FUNCTION, "-w", workspace, "--json"))
    assert replayed["cost_usd"] == analysis["cost"]["period"]  # compute, requests, provisioned, total
    assert replayed["requests"] == analysis["invocations"]


def test_a_batched_replay_is_priced(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("import", "trace", TRACE, "-w", workspace).exit_code == 0
    batched = _json(cli("replay", FUNCTION, "--batch", "2", "--batch-wait-ms", "60000", "-w", workspace, "--json"))
    single = _json(cli("replay", FUNCTION, "-w", workspace, "--json"))
    assert batched["cost_usd"] is not None and batched["cost_note"] is None
    # a batch of two is one invocation: fewer requests billed than requests served
    assert float(batched["cost_usd"]["requests_usd"]) < float(single["cost_usd"]["requests_usd"])


@pytest.mark.parametrize("memory", ["20000", "100", "512.5"])
def test_every_command_refuses_the_same_memory_sizes_with_the_same_message(cli, tmp_path: Path, memory) -> None:
    data = tmp_path / "runs.csv"
    data.write_text("memory_mb,duration_ms\n256,400\n256,410\n512,210\n512,205\n")
    trace = tmp_path / "t.csv"
    trace.write_text("timestamp,duration_ms\n1700000000,10\n1700000001,12\n")
    commands = [
        ("replay", "--trace", trace, "--memory", memory),
        ("pricing", "cost", "--memory", memory, "--duration-ms", "10"),
        ("model", "predict", "--data", data, "--memory", memory),
        ("local", "invoke", "examples/io_wait.py:handler", "--memory", memory),
    ]
    messages = set()
    for command in commands:
        result = cli(*command)
        assert result.exit_code == 2, (command, result.stderr)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: --memory ")
        messages.add(result.stderr.replace("--memory value", "--memory"))
    assert len(messages) == 1


@pytest.mark.parametrize("keep_alive", ["10m", "600", "1h30m", "90s"])
def test_every_keep_alive_option_reads_the_one_duration_syntax(cli, tmp_path: Path, keep_alive) -> None:
    trace = tmp_path / "t.csv"
    trace.write_text("timestamp,duration_ms\n1700000000,10\n1700000001,12\n")
    assert cli("replay", "--trace", trace, "--keep-alive", keep_alive, "--json").exit_code == 0
    local = cli("local", "invoke", "tests/targets/handlers.py:echo", "--memory", "128", "--keep-alive", keep_alive,
                "--json")
    assert local.exit_code == 0, local.stderr


def test_a_trace_says_its_cold_starts_and_instances_are_unknown(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("import", "trace", TRACE, "-w", workspace).exit_code == 0
    document = _json(cli("analyze", FUNCTION, "-w", workspace, "--json"))
    assert document["cold_starts"] is None and document["cold_fraction"] is None
    assert document["init_ms"] is None and document["duration_ms"]["warm"] is None
    assert document["instances"]["count"] is None
    assert document["unknown"]["cold_starts"].startswith("the trace has no init times")
    screen = cli("analyze", FUNCTION, "-w", workspace).stdout
    assert "cold starts    n/a: the trace has no init" in screen
    assert "0 log streams" not in screen and "0 (0.00%)" not in screen


def test_calibrating_a_trace_without_cold_starts_says_why(cli, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert cli("import", "trace", TRACE, "-w", workspace).exit_code == 0
    result = cli("replay", FUNCTION, "--calibrate", "-w", workspace)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "does not say which requests were cold starts" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "named"), [
    (("replay", FUNCTION, "--provisioned", "1000000000"), "--provisioned 1,000,000,000 is outside"),
    (("replay", FUNCTION, "--provisioned", "100000000000000000000000"), "--provisioned 1e+23 is outside"),
    (("replay", FUNCTION, "--per-instance-concurrency", "1000000000"), "--per-instance-concurrency 1,000,000,000"),
    (("replay", FUNCTION, "--init-ms", "1e300"), "--init-ms 1e+300 is outside"),
    (("replay", FUNCTION, "--keep-alive", "1e400"), "--keep-alive '1e400' is not a duration"),
    (("replay", FUNCTION, "--memory", "abc"), "--memory 'abc' is not a whole number"),
    (("pricing", "cost", "--memory", "128", "--duration-ms", "1", "--invocations", "100000000000000000000000"),
     "--invocations 1e+23 is outside"),
    (("pricing", "cost", "--memory", "128", "--duration-ms", "nan"), "--duration-ms nan is outside"),
])
def test_extreme_values_are_refused_up_front_in_one_line(cli, tmp_path: Path, args, named) -> None:
    workspace = tmp_path / "ws"
    assert cli("import", "trace", TRACE, "-w", workspace).exit_code == 0
    result = cli(*args, "-w", workspace)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"error: {named}") and result.stderr.count("\n") == 1


def test_a_workspace_that_cannot_be_created_is_one_line(cli, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    result = cli("import", "trace", TRACE, "-w", blocked / "ws")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: cannot create workspace {blocked / 'ws'}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("log", ["dir", "file/below"])
def test_an_unwritable_local_log_is_one_line(cli, tmp_path: Path, log: str) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    result = cli("local", "invoke", "tests/targets/handlers.py:echo", "--memory", "128", "--log", tmp_path / log)
    assert result.exit_code == 3, result.stderr
    assert result.stderr.startswith(f"error: cannot write the log {tmp_path / log}")
    assert result.stderr.count("\n") == 1


def test_typer_usage_errors_read_like_every_other_error(cli) -> None:
    for args in (("replay", "--nope"), ("analyze",), ("pricing", "cost", "--memroy", "1")):
        result = cli(*args)
        assert result.exit_code == 2
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert "--help` for the options." in result.stderr


def _commands() -> list[tuple[str, ...]]:
    """Every leaf command of the CLI, as its words."""
    from typer.main import get_command

    from advisor.cli import build_app

    def leaves(command, words: tuple[str, ...]) -> list[tuple[str, ...]]:
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            return [words]
        return [leaf for name, sub in subcommands.items() for leaf in leaves(sub, (*words, name))]

    return leaves(get_command(build_app()), ())


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_help_shows_what_to_type_not_python_types(cli, command) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert not re.findall(r"<[A-Za-z_][A-Za-z_ .\[\]]*>", result.stdout), command
    assert "list[" not in result.stdout, command


def test_functions_lists_what_the_workspace_holds(cli, tmp_path: Path, shared_data: Path) -> None:
    workspace = tmp_path / "ws"
    empty = cli("functions", "-w", workspace)
    assert empty.exit_code == 0 and "holds no function yet" in " ".join(empty.stdout.split())
    imported = cli("import", "trace", shared_data / "traces/azure-functions-2021-sample/Azure2021_200.csv",
                   "-w", workspace, "--json")
    named = json.loads(imported.stdout)["functions"]
    assert len(named) == 31
    listed = _json(cli("functions", "-w", workspace, "--json"))["functions"]
    assert [row["name"] for row in listed] == named
    assert sum(row["invocations"] for row in listed) == 199
    screen = cli("functions", "-w", workspace).stdout
    assert "31 functions" in screen and named[0] in screen
    on_screen = cli("import", "trace", shared_data / "traces/azure-functions-2021-sample/Azure2021_200.csv",
                    "-w", tmp_path / "other").stdout
    assert "31 functions: " + ", ".join(named[:3]) in " ".join(on_screen.split())
