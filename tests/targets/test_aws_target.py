"""The AWS target end to end: real boto3 against ``advisor local serve`` (the Lambda API over the
local target), never AWS. Configure, invoke, force cold starts, throttling, restore, and the
faults of issue 13 (an exception, SIGINT, SIGKILL then ``advisor restore``, a second tuner)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import boto3
import pytest

from advisor.errors import TargetError, UsageError
from advisor.platform.aws_lambda import code_sha256
from advisor.record import STATUS_ERROR, STATUS_SUCCESS
from advisor.targets.aws import ALIAS_PREFIX, NONCE_VARIABLE, AwsTarget, ThrottledError
from advisor.targets.lambda_api import Faults, serve_local
from advisor.tune.journal import journal_path, tuning
from advisor.tune.lock import TuningLockedError

from .conftest import handler
from .target_suite import MakeTarget, TargetSuite

REPO = Path(__file__).resolve().parents[2]
FUNCTION = "captioner"
REGION = "us-east-1"
ENVIRONMENT = {"MODEL": "resnet", "THREADS": "1"}

TUNER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from advisor.targets.aws import AwsTarget
    from advisor.tune.journal import tuning
    workspace, endpoint = Path(sys.argv[1]), sys.argv[2]
    target = AwsTarget("captioner", region="us-east-1", endpoint_url=endpoint)
    with tuning(target, workspace=workspace, function="captioner", study="s") as run:
        target.configure(2048)
        target.invoke({})
        target.configure(3008)
        target.invoke({})
        print("changed", flush=True)
        time.sleep(60)
""")


@pytest.fixture(autouse=True)
def _no_aws(fake_aws_credentials: None) -> None:
    """Fake credentials only: nothing here can reach AWS."""


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Start ``advisor local serve`` servers (``serve(memory_mb=..., **options) -> endpoint URL``)."""
    with ExitStack() as stack:
        def start(handler_name: str = "echo_or_fail", **options: Any) -> str:
            options.setdefault("memory_mb", 1024)
            options.setdefault("environment", ENVIRONMENT)
            server = stack.enter_context(serve_local(handler(handler_name), function_name=FUNCTION, **options))
            return server.endpoint_url

        yield start


def lam(endpoint: str) -> Any:
    return boto3.client("lambda", region_name=REGION, endpoint_url=endpoint)


def state(endpoint: str) -> dict[str, Any]:
    """What a caller of the function would see: $LATEST, the versions and the aliases."""
    client = lam(endpoint)
    conf = client.get_function_configuration(FunctionName=FUNCTION)
    return {
        "memory_mb": conf["MemorySize"], "timeout": conf["Timeout"],
        "environment": (conf.get("Environment") or {}).get("Variables"),
        "versions": sorted(v["Version"] for v in client.list_versions_by_function(FunctionName=FUNCTION)["Versions"]),
        "aliases": sorted((a["Name"], a["FunctionVersion"]) for a in client.list_aliases(FunctionName=FUNCTION)["Aliases"]),
    }


def with_production_alias(endpoint: str) -> dict[str, Any]:
    """Publish version 1 and point the callers' alias ``live`` at it, as a real deployment has."""
    client = lam(endpoint)
    version = client.publish_version(FunctionName=FUNCTION)["Version"]
    client.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
    return state(endpoint)


class TestAwsTarget(TargetSuite):
    """The AWS target passes the contract every target passes."""

    @pytest.fixture
    def make_target(self, serve) -> MakeTarget:
        return lambda memory_mb: AwsTarget(FUNCTION, region=REGION, endpoint_url=serve(memory_mb=memory_mb))

    @pytest.fixture
    def failing_payload(self) -> dict:
        return {"fail": True}


def test_tuning_changes_only_latest_and_its_own_alias_then_restore_puts_all_back(serve):
    endpoint = serve()
    before = with_production_alias(endpoint)
    target = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
    assert target.snapshot()["aliases"] == [{"name": "live", "version": "1", "routing": None}]
    target.configure(2048)
    first = target.invoke({"x": 1})
    during = state(endpoint)
    assert first["memory_mb"] == 2048 and first["status"] == STATUS_SUCCESS and first["init_ms"] is not None
    assert during["memory_mb"] == 2048 and NONCE_VARIABLE in during["environment"]
    assert ("live", "1") in during["aliases"] and (target.alias, "2") in during["aliases"]
    assert target.alias.startswith(ALIAS_PREFIX)
    production = lam(endpoint).invoke(FunctionName=FUNCTION, Qualifier="live", Payload=b"{}", LogType="Tail")
    assert "Memory Size: 1024 MB" in __import__("base64").b64decode(production["LogResult"]).decode()

    target.configure(3008)
    assert state(endpoint)["versions"] == ["$LATEST", "1", "3"]  # the alias left version 2: deleted
    lines = target.restore_report()
    assert state(endpoint) == before
    assert f"deleted the temporary alias {target.alias}" in lines and "deleted version 3" in lines
    target.close()
    assert state(endpoint) == before


def test_force_cold_touches_the_nonce_and_the_next_invocation_is_cold(serve):
    endpoint = serve()
    with AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint) as target:
        target.configure(512)
        target.invoke({})
        nonce = state(endpoint)["environment"][NONCE_VARIABLE]
        assert target.invoke({})["init_ms"] is None
        target.force_cold()
        cold = target.invoke({})
        assert state(endpoint)["environment"][NONCE_VARIABLE] != nonce
    assert cold["init_ms"] is not None and cold["memory_mb"] == 512
    assert state(endpoint)["environment"] == ENVIRONMENT


def test_the_json_log_format_is_read_from_the_tail_as_the_text_one(serve):
    endpoint = serve(log_format="JSON")
    with AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint) as target:
        target.configure(1536)
        record = target.invoke({})
        failed = target.invoke({"fail": True})
    assert record["memory_mb"] == 1536 and record["status"] == STATUS_SUCCESS and record["duration_ms"] > 0
    assert failed["status"] == STATUS_ERROR and failed["error_type"]


def test_throttling_is_retried_with_backoff_until_it_passes(serve):
    endpoint = serve(faults=Faults(throttle=0.5), seed=3)
    with AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint, max_attempts=12) as target:
        target.configure(1024)
        records = [target.invoke({}) for _ in range(6)]
    assert all(r["status"] == STATUS_SUCCESS for r in records)
    assert state(endpoint)["environment"] == ENVIRONMENT


def test_throttling_that_does_not_pass_is_a_clear_error_and_leaves_the_function_restored(serve):
    endpoint = serve(faults=Faults(throttle=1.0))
    before = state(endpoint)
    with AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint, max_attempts=2) as target:
        target.configure(2048)
        with pytest.raises(ThrottledError, match=r"Lambda kept throttling the invoke of captioner after 2 attempts"):
            target.invoke({})
    assert state(endpoint) == before


def test_an_exception_mid_tuning_leaves_the_function_as_it_was(serve, tmp_path):
    endpoint = serve()
    before = with_production_alias(endpoint)
    target = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
    with pytest.raises(ZeroDivisionError), tuning(target, workspace=tmp_path, function=FUNCTION):
        target.configure(4096)
        target.invoke({})
        journaled = json.loads(journal_path(tmp_path, FUNCTION).read_text())
        assert journaled["original"]["memory_mb"] == 1024 and journaled["created"]["alias"] == target.alias
        assert journaled["created"]["versions"] == ["2"]
        1 / 0  # noqa: B018 - the fault
    assert state(endpoint) == before and not journal_path(tmp_path, FUNCTION).exists()


def test_a_second_tuner_of_the_function_is_refused_by_the_lock(serve, tmp_path):
    endpoint = serve()
    first = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
    with tuning(first, workspace=tmp_path, function=FUNCTION, study="nightly"):
        first.configure(2048)
        second = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
        with pytest.raises(TuningLockedError, match=rf"captioner is already being tuned by pid {os.getpid()}"):
            with tuning(second, workspace=tmp_path, function=FUNCTION):
                pass
        assert state(endpoint)["memory_mb"] == 2048  # the refused tuner changed nothing
    assert state(endpoint)["memory_mb"] == 1024


def _tuner(workspace: Path, endpoint: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", TUNER, str(workspace), endpoint],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    line = process.stdout.readline().strip() if process.stdout else ""
    if line != "changed":
        process.kill()
        pytest.fail(f"the tuner did not start: {line} {process.communicate()[1]}")
    return process


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sigint_or_sigterm_to_a_tuner_process_restores_the_function_before_it_exits(serve, tmp_path, signum):
    endpoint = serve()
    before = with_production_alias(endpoint)
    process = _tuner(tmp_path, endpoint)
    assert state(endpoint)["memory_mb"] == 3008
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0 and "KeyboardInterrupt" in err
    assert state(endpoint) == before and not journal_path(tmp_path, FUNCTION).exists()


def test_after_sigkill_advisor_restore_puts_the_function_back_and_deletes_what_the_tuner_made(serve, tmp_path):
    endpoint = serve()
    before = with_production_alias(endpoint)
    process = _tuner(tmp_path, endpoint)
    process.kill()
    process.wait()
    left = state(endpoint)
    assert left["memory_mb"] == 3008 and any(name.startswith(ALIAS_PREFIX) for name, _ in left["aliases"])
    # A kill between publishing a version and journaling it: the version carries the run's mark only.
    run_id = json.loads(journal_path(tmp_path, FUNCTION).read_text())["original"]["run_id"]
    client = lam(endpoint)
    client.update_function_configuration(FunctionName=FUNCTION, MemorySize=4096)
    client.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    orphan = client.publish_version(FunctionName=FUNCTION, Description=f"advisor tune {run_id}")["Version"]
    command = [sys.executable, "-m", "advisor", "restore", FUNCTION, "--workspace", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"from pid {process.pid}" in done.stdout and "deleted the temporary alias advisor-tune-" in done.stdout
    assert f"deleted version {orphan}" in done.stdout
    assert "put back $LATEST: memory 1024 MB (was 4096 MB)" in done.stdout
    assert state(endpoint) == before and not journal_path(tmp_path, FUNCTION).exists()
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.stdout.startswith(f"nothing to restore for {FUNCTION}")


def test_a_function_left_with_the_nonce_is_not_taken_as_the_original(serve):
    endpoint = serve(environment={**ENVIRONMENT, NONCE_VARIABLE: "left-over"})
    with pytest.raises(TargetError, match=rf"captioner still has {NONCE_VARIABLE} set.*advisor restore captioner"):
        AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint).snapshot()


def test_a_deployment_during_tuning_is_not_overwritten_and_only_what_advisor_changed_is_put_back(serve):
    endpoint = serve()
    target = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
    target.configure(2048)
    client = lam(endpoint)
    client.update_function_configuration(FunctionName=FUNCTION, Timeout=10)  # someone deploys meanwhile
    client.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    with pytest.raises(TargetError, match=r"function 'captioner' changed while it was being tuned"):
        target.configure(3008)
    target.close()
    after = state(endpoint)
    assert (after["memory_mb"], after["environment"], after["timeout"]) == (1024, ENVIRONMENT, 10)
    assert after["aliases"] == [] and after["versions"] == ["$LATEST"]


def test_every_operation_the_target_makes_is_in_the_tune_policy_and_the_policy_holds_no_other(serve, tmp_path):
    from advisor.tune.iam import OPERATIONS

    endpoint = serve(layers={LAYER: []})
    session = boto3.Session(region_name=REGION)
    called: set[str] = set()
    session.events.register("before-call.lambda", lambda model, **_: called.add(model.name))
    target = AwsTarget(FUNCTION, endpoint_url=endpoint, session=session)
    other = "arm64" if target.architectures()[0] == "x86_64" else "x86_64"
    with tuning(target, workspace=tmp_path, function=FUNCTION):
        target.configure(2048)
        target.invoke({})
        target.force_cold()
        target.invoke({})
        target.configure(2048, architecture=other)  # the code re-uploaded; the layer's architectures read
    assert called == set(OPERATIONS["tune"]["lambda"])


# -- a second architecture (--arch x86_64,arm64): the same package re-uploaded, put back by the restore.
# The emulator runs the handler whatever the architecture: these tests check what Lambda is told.

LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:tokenizers:3"


def code(endpoint: str) -> tuple[str, str]:
    """$LATEST's (CodeSha256, architecture)."""
    conf = lam(endpoint).get_function_configuration(FunctionName=FUNCTION)
    return conf["CodeSha256"], conf["Architectures"][0]


def test_a_pure_python_package_runs_on_the_other_architecture_and_ends_on_its_own(serve, tmp_path):
    endpoint = serve(layers={LAYER: []})
    before, (sha, own) = state(endpoint), code(endpoint)
    other = "arm64" if own == "x86_64" else "x86_64"
    target = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
    assert target.architectures() == (own, other)  # asked before the journal, as `--arch` does
    with tuning(target, workspace=tmp_path, function=FUNCTION):
        journaled = json.loads(journal_path(tmp_path, FUNCTION).read_text())["original"]
        kept = Path(journaled["attachments"]["code.zip"])
        assert journaled["code"]["code_sha256"] == sha and code_sha256(kept.read_bytes()) == sha
        target.configure(2048, architecture=other)
        on_other = target.invoke({})
        assert code(endpoint) == (sha, other)  # the same package, told to run on the other architecture
        target.configure(1024, architecture=own)
        on_own = target.invoke({})
        target.configure(1024, architecture=other)
    assert (on_other["architecture"], on_other["memory_mb"], on_own["architecture"]) == (other, 2048, own)
    assert code(endpoint) == (sha, own) and state(endpoint) == before
    assert not journal_path(tmp_path, FUNCTION).exists() and not kept.exists()


def test_a_tuning_of_its_own_architecture_keeps_no_code_and_refuses_to_switch_later(serve, tmp_path):
    # Without --arch for the other architecture nothing reads the package, so the journal holds
    # no copy of it, and a switch asked only then is refused rather than made unrecoverable.
    endpoint = serve()
    before, (sha, own) = state(endpoint), code(endpoint)
    other = "arm64" if own == "x86_64" else "x86_64"
    target = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
    with tuning(target, workspace=tmp_path, function=FUNCTION):
        journaled = json.loads(journal_path(tmp_path, FUNCTION).read_text())["original"]
        target.configure(1024, architecture=own)
        assert target.invoke({})["architecture"] == own
        with pytest.raises(TargetError, match="not in the journal"):
            target.configure(1024, architecture=other)
    assert "attachments" not in journaled and "code" not in journaled
    assert code(endpoint) == (sha, own) and state(endpoint) == before


def test_an_error_on_the_other_architecture_restores_the_original_code_and_architecture(serve, tmp_path):
    endpoint = serve()
    before, (sha, own) = state(endpoint), code(endpoint)
    other = "arm64" if own == "x86_64" else "x86_64"
    target = AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint)
    assert other in target.architectures()
    with pytest.raises(ZeroDivisionError), tuning(target, workspace=tmp_path, function=FUNCTION):
        target.configure(2048, architecture=other)
        assert json.loads(journal_path(tmp_path, FUNCTION).read_text())["created"]["code_changed"]
        1 / 0  # noqa: B018 - the fault
    assert target.restore_report() == []
    assert code(endpoint) == (sha, own) and state(endpoint) == before


def test_after_sigkill_on_the_other_architecture_advisor_restore_puts_the_original_code_back(serve, tmp_path):
    endpoint = serve()
    before, (sha, own) = state(endpoint), code(endpoint)
    other = "arm64" if own == "x86_64" else "x86_64"
    script = TUNER.replace("target.configure(3008)", f"target.configure(3008, architecture={other!r})").replace(
        "with tuning(", "target.architectures()  # asked before the journal, as --arch does\nwith tuning(")
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), endpoint], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stdout is not None and process.stdout.readline().strip() == "changed", process.communicate()[1]
    process.kill()
    process.wait()
    assert code(endpoint) == (sha, other)
    done = subprocess.run([sys.executable, "-m", "advisor", "restore", FUNCTION, "--workspace", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"put back $LATEST's original code (CodeSha256 {sha}) on {own} (was {other})" in done.stdout
    assert code(endpoint) == (sha, own) and state(endpoint) == before
    assert not list(tmp_path.rglob("*.code.zip"))


def test_a_package_with_native_code_keeps_the_other_architecture_refused_naming_the_files(serve):
    endpoint = serve()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def echo(event, context):\n    return event\n")
        archive.writestr("lib/_fast.cpython-312-x86_64-linux-gnu.so", b"\x7fELF")
    client = lam(endpoint)
    client.update_function_code(FunctionName=FUNCTION, ZipFile=buffer.getvalue())
    client.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    own = code(endpoint)[1]
    other = "arm64" if own == "x86_64" else "x86_64"
    with AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint) as target:
        assert target.architectures() == (own,)
        with pytest.raises(UsageError, match=rf"cannot run architecture '{other}': it runs {own} \(the package of "
                                             r"captioner holds native code \(lib/_fast\.cpython-312-x86_64-linux-gnu"
                                             r"\.so: 1 file\)"):
            target.configure(1024, architecture=other)
    assert code(endpoint)[1] == own


def test_a_layer_for_one_architecture_only_keeps_the_other_refused_naming_the_layer(serve):
    own = AwsTarget(FUNCTION, region=REGION, endpoint_url=serve()).architectures()[0]
    endpoint = serve(layers={LAYER: [own]})
    other = "arm64" if own == "x86_64" else "x86_64"
    with AwsTarget(FUNCTION, region=REGION, endpoint_url=endpoint) as target:
        assert target.architectures() == (own,)
        assert target.architecture_refusal(other) == f"layer {LAYER} of captioner is for {own} only, not {other}"
