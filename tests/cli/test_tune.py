"""``advisor tune`` end to end: a real handler through the local target, a plugin target, the dry
run, the JSON object, the refusal to change anything unasked, and one-line errors."""

from __future__ import annotations

import json
import os
import platform
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor.models.design import initial_sizes
from advisor.platform.aws_lambda import ARCHITECTURES, architecture_of

REPO = Path(__file__).resolve().parents[2]
DIGITS = f"{REPO / 'examples' / 'digits_classifier.py'}:handler"
CURVE = f"{REPO / 'tests' / 'tune' / 'plugin_target.py'}:CurveFunction"
#: The keys of the JSON object the issue names (docs/tune.md documents them all).
ISSUE_KEYS = ("recommendation", "predicted", "monthly_cost_usd", "current", "tuning", "stopped_because")
#: A real function of the Azure 2019 trace (one day, 256 MB): the traffic and today's size.
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
TRACE_FUNCTION = "543bec406831"
TRACE_MEMORY_MB = 256
#: The first size the tuner measures over 128..3,008 MB (the initial design's smallest).
FAILING_MB = initial_sizes(128, 3008)[0]
#: A curve tuning every test can run in a second: the first size runs out of memory, the SLA binds.
CURVE_ARGS = ("fn", "--target", CURVE, "--target-option", f"fail_below_mb={FAILING_MB + 1}", "--memory", "128..3008",
              "--sla", "p95=1500ms")


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_tunes_the_digits_classifier_through_the_local_target(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"images": 2000}))
    doc = _json(cli("tune", "digits", "--target", "local", "--handler", DIGITS, "--payload", f"{event}:2",
                    "--memory", "512..3008", "--sla", "p95=2s", "--budget-invocations", "12",
                    "--invocation-timeout", "60s", "--yes", "--json"))
    assert all(key in doc for key in ISSUE_KEYS)
    tuning = doc["tuning"]
    assert 0 < tuning["invocations"] <= 12 and tuning["cost_usd"] > 0
    assert sum(t["invocations"] for t in tuning["trials"]) == tuning["invocations"]
    assert all(512 <= t["memory_mb"] <= 3008 for t in tuning["trials"])
    # The handler is CPU-bound on one thread: measured p50 falls as memory (CPU share) grows.
    done = sorted((t["memory_mb"], t["p50_ms"]) for t in tuning["trials"] if t["state"] == "complete")
    assert len(done) >= 2 and done[0][1] > done[-1][1]
    rec = doc["recommendation"]
    assert 512 <= rec["memory_mb"] <= 3008 and rec["architecture"] == "x86_64"
    assert doc["stopped_because"] in ("settled", "budget-invocations")
    assert doc["sla_basis"] == "warm duration: no traffic known"
    assert doc["monthly_cost_usd"] is None  # unknown without traffic: null, never 0


def test_json_is_the_result_object_with_the_issue_s_keys(cli) -> None:  # type: ignore[no-untyped-def]
    doc = _json(cli("tune", *CURVE_ARGS, "--rate", "1/min", "--yes", "--json"))
    assert all(key in doc for key in ISSUE_KEYS)
    assert {"memory_mb", "architecture", "keep_warm"} <= set(doc["recommendation"])
    assert set(doc["predicted"]["latency_ms"]) == {"p50", "p95", "p99"}
    assert {"invocations", "cost_usd", "trials"} <= set(doc["tuning"])
    failed = [t for t in doc["tuning"]["trials"] if t["memory_mb"] <= FAILING_MB]
    assert failed and all(t["state"] == "infeasible" and t["errors"] for t in failed)
    assert doc["sla_basis"].startswith("end-to-end over ")


def test_report_of_a_tuning_on_imported_traffic_matches_golden(cli, golden) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", "trace", str(TRACE)).exit_code == 0
    result = cli("tune", TRACE_FUNCTION, *CURVE_ARGS[1:], "--yes")
    assert result.exit_code == 0, result.stderr
    assert f"today ({TRACE_MEMORY_MB} MB" in result.stdout  # today's size: the imported invocations'
    golden("tune_curve.txt", result.stdout)


def test_the_report_and_the_json_give_the_same_pick(cli, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    doc = _json(cli("tune", *CURVE_ARGS, "--study", "a", "--yes", "--json"))
    text = cli("tune", *CURVE_ARGS, "--study", "b", "--yes").stdout
    assert f"memory           {doc['recommendation']['memory_mb']:,} MB" in text


def test_dry_run_prints_the_plan_and_changes_nothing(cli, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("tune", *CURVE_ARGS, "--budget-invocations", "15", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "Plan for tuning fn (nothing is invoked or changed)" in result.stdout
    assert "first sizes" in result.stdout and "invocation budget    15" in result.stdout
    assert "estimated cost       up to $" in result.stdout
    assert not (workspace / "tune" / "studies.db").exists() and not (workspace / "tune" / "journal").exists()
    plan = _json(cli("tune", *CURVE_ARGS, "--dry-run", "--json"))
    assert plan["budget"]["invocations"] == 20 and plan["estimated_cost_usd"] > 0
    assert [s["memory_mb"] for s in plan["first_sizes"]] == sorted(s["memory_mb"] for s in plan["first_sizes"])


def _advisor(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="100", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False, **kwargs)


def test_refuses_without_yes_when_nobody_can_answer(tmp_path: Path) -> None:
    result = _advisor("tune", *CURVE_ARGS, "-w", str(tmp_path / "ws"), stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: advisor tune invokes and reconfigures fn and stdin is not a terminal to ask on. Add --yes to go "
        "ahead without asking, or --dry-run to see the plan."]
    assert not (tmp_path / "ws" / "tune" / "studies.db").exists()


def test_asks_on_a_terminal_and_changes_nothing_when_told_no(tmp_path: Path) -> None:
    main, child = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="100", NO_COLOR="1")
    process = subprocess.Popen([sys.executable, "-m", "advisor", "tune", *CURVE_ARGS, "-w", str(tmp_path / "ws")],
                               stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    seen = _read_until(main, b"Tune fn now? [y/N]")
    os.write(main, b"n\n")
    seen += _read_until(main, b"nothing was changed")
    assert process.wait(timeout=60) == 1
    os.close(main)
    assert b"Plan for tuning fn" in seen and b"not tuned: nothing was changed." in seen
    assert not (tmp_path / "ws" / "tune" / "studies.db").exists()


def _read_until(fd: int, marker: bytes, timeout_s: float = 60) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout_s
    while marker not in out:
        assert time.monotonic() < deadline, out
        try:
            out += os.read(fd, 4096)
        except OSError:  # the other end closed
            break
    return out


@pytest.mark.parametrize(("args", "words"), [
    (("--target", "local"), "--target local needs --handler path/to/file.py:function"),
    (("--target", "local", "--handler", DIGITS, "--arch", "sparc"), "--arch 'sparc' is not a Lambda architecture"),
    (("--target", "aws", "--handler", DIGITS), "--handler goes with --target local, not --target aws"),
    (("--target", "nowhere"), "--target 'nowhere' is not aws, local"),
    (("--target", CURVE, "--payload", "/nonexistent/event.json"),
     "payload file /nonexistent/event.json does not exist"),
    (("--target", CURVE, "--memory", "4096..1024"), "--memory '4096..1024' runs from 4096 down to 1024 MB"),
    (("--target", CURVE, "--memory", "64..1024"), "--memory 64 is outside Lambda's memory size"),
    (("--target", CURVE, "--keep-warm", "always"), "keep-warm strategy 'always' is not known"),
    (("--target", CURVE, "--budget-invocations", "0"), "--budget-invocations 0 is outside the invocation budget"),
    (("--target", CURVE, "--budget-usd", "-1"), "--budget-usd -1 is outside the USD budget"),
    (("--target", CURVE, "--timeout", "soon"), "--timeout"),
    (("--target", CURVE, "--trace", "/nonexistent.csv", "--rate", "5/s"), "give either --trace or --rate"),
])
def test_bad_options_are_one_line_errors(cli, args: tuple[str, ...], words: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("tune", "fn", "--sla", "p95=1s", *args, "--yes")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.exit_code in (2, 3, 4) and len(errors) == 1, result.stderr
    assert words in errors[0]


def test_a_payload_that_is_not_json_is_named(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text("{images: 3}")
    result = cli("tune", *CURVE_ARGS, "--payload", f"{bad}:2", "--yes")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: payload file {bad} is not valid JSON: ")


def test_an_architecture_the_target_cannot_run_is_refused_before_any_change(cli, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    own = architecture_of(platform.machine())  # the local target runs this machine's only
    other = next(a for a in ARCHITECTURES if a != own)
    result = cli("tune", "fn", "--sla", "p95=1s", "--target", "local", "--handler", DIGITS,
                 "--arch", f"{own},{other}", "--yes")
    assert result.exit_code == 2
    assert f"--arch {other}: this target runs only {own}" in result.stderr
    assert not (workspace / "tune" / "journal").exists()


@pytest.mark.slow
def test_tunes_the_digits_classifier_through_the_aws_target_and_puts_it_back(  # type: ignore[no-untyped-def]
        cli, tmp_path: Path, fake_aws_credentials: None) -> None:
    from advisor.targets.lambda_api import serve_local

    event = tmp_path / "event.json"
    event.write_text(json.dumps({"images": 2000}))
    with serve_local(DIGITS, function_name="digits", memory_mb=1024, timeout_s=60.0, isolation="none") as server:
        before = _configuration(server.endpoint_url)
        doc = _json(cli("tune", "digits", "--target", "aws", "--endpoint-url", server.endpoint_url,
                        "--region", "us-east-1", "--payload", str(event), "--memory", "768..3008",
                        "--sla", "p95=2s", "--budget-invocations", "8", "--yes", "--json"))
        after = _configuration(server.endpoint_url)
    assert doc["current"]["memory_mb"] == 1024  # today's size: read from the function itself
    assert 0 < doc["tuning"]["invocations"] <= 8
    assert {t["memory_mb"] for t in doc["tuning"]["trials"]} <= set(range(768, 3009))
    assert after == before  # the function is as it was: nothing the tuner made is left


def _configuration(endpoint: str) -> dict:  # type: ignore[type-arg]
    """What the function's callers see: $LATEST's memory and variables, its versions and aliases."""
    import boto3

    client = boto3.client("lambda", region_name="us-east-1", endpoint_url=endpoint)
    conf = client.get_function_configuration(FunctionName="digits")
    return {"memory_mb": conf["MemorySize"], "environment": (conf.get("Environment") or {}).get("Variables"),
            "versions": [v["Version"] for v in client.list_versions_by_function(FunctionName="digits")["Versions"]],
            "aliases": client.list_aliases(FunctionName="digits")["Aliases"]}


def test_tunes_both_architectures_through_the_aws_target_and_ends_on_the_original_code(  # type: ignore[no-untyped-def]
        cli, tmp_path: Path, fake_aws_credentials: None) -> None:
    import boto3

    from advisor.targets.lambda_api import serve_local

    event = tmp_path / "event.json"
    event.write_text(json.dumps({"images": 2000}))
    with serve_local(DIGITS, function_name="digits", memory_mb=1024, timeout_s=60.0, isolation="none") as server:
        client = boto3.client("lambda", region_name="us-east-1", endpoint_url=server.endpoint_url)
        original = client.get_function_configuration(FunctionName="digits")
        own = original["Architectures"][0]
        other = "arm64" if own == "x86_64" else "x86_64"
        before = _configuration(server.endpoint_url)
        doc = _json(cli("tune", "digits", "--target", "aws", "--endpoint-url", server.endpoint_url,
                        "--region", "us-east-1", "--payload", str(event), "--memory", "768..3008",
                        "--arch", f"{own},{other}", "--sla", "p95=2s", "--budget-invocations", "10",
                        "--yes", "--json"))
        after, final = _configuration(server.endpoint_url), client.get_function_configuration(FunctionName="digits")
    assert {t["architecture"] for t in doc["tuning"]["trials"]} == {own, other}  # both measured
    assert after == before
    assert (final["Architectures"], final["CodeSha256"]) == ([own], original["CodeSha256"])
    assert not list(tmp_path.rglob("*.code.zip"))
