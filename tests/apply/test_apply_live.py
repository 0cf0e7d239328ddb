"""``advisor apply`` against a live function (the emulator for Lambda, moto for Application Auto
Scaling): what it changes, that ``advisor restore`` gives back exactly the original, and that a
failure, Ctrl-C, SIGTERM or SIGKILL mid-apply leaves nothing half-applied."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from advisor.apply import session
from advisor.apply.desired import Desired, from_options
from advisor.apply.engine import VERSION_DESCRIPTION
from advisor.errors import TargetError, UsageError
from advisor.tune.iam import OPERATIONS
from advisor.tune.journal import APPLIED, Journal, journal_path, restore_function
from advisor.tune.lock import TuneLock, TuningLockedError

from .conftest import ALIAS, DIMENSION, FUNCTION, NATIVE, OTHER, REGION, REPO, RESOURCE

SCHEDULE = "08:00-20:00=3,else=1"
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:tokenizers:4"


def apply(workspace: Path, desired: Desired, *, alias: str | None = ALIAS, **connection) -> session.Outcome:
    prepared = session.prepare(FUNCTION, desired, alias=alias, connection=session.Connection(**connection))
    return session.run(prepared, workspace)


def test_a_schedule_is_one_scheduled_action_per_change_in_utc_on_a_new_version_behind_the_alias(live, tmp_path):
    served = live()
    served.deploy()
    outcome = apply(tmp_path, from_options(memory_mb=2048, schedule=SCHEDULE))
    after = served.state()
    assert after["memory_mb"] == 2048
    run_id = json.loads(outcome.journal.read_text())["original"]["run_id"]
    assert ("2", 2048, VERSION_DESCRIPTION.format(run_id=run_id), NATIVE) in after["versions"]
    assert after["aliases"] == [(ALIAS, "2", "None")]
    assert after["scalable_targets"] == [(RESOURCE, 0, 3)]
    assert after["scheduled_actions"] == [("advisor-live-0800", "cron(0 8 * * ? *)", "Etc/UTC", 3, 3),
                                          ("advisor-live-2000", "cron(0 20 * * ? *)", "Etc/UTC", 1, 1)]
    hour = datetime.now(UTC).hour
    assert after["provisioned"] == [(ALIAS, 3 if 8 <= hour < 20 else 1)]  # the current hour's count at once
    journal = Journal.load(tmp_path, FUNCTION)
    assert journal is not None and journal.kind == "apply" and journal.data["state"] == APPLIED


@pytest.mark.parametrize("desired", [
    from_options(memory_mb=2048, schedule=SCHEDULE),
    from_options(memory_mb=512, provisioned=2),
    from_options(provisioned=0),
    from_options(memory_mb=3008),
], ids=["schedule", "provisioned", "none", "memory"])
def test_apply_then_restore_gives_back_exactly_the_original(live, tmp_path, desired):
    served = live()
    served.deploy()
    served.lam().put_provisioned_concurrency_config(FunctionName=FUNCTION, Qualifier=ALIAS,
                                                    ProvisionedConcurrentExecutions=1)
    served.schedule({"theirs-morning": ("cron(0 6 * * ? *)", 2, 4), "theirs-night": ("cron(0 23 * * ? *)", 1, 1)})
    before = served.state()
    apply(tmp_path, desired)
    assert served.state() != before
    lines = restore_function(tmp_path, FUNCTION)
    assert lines and served.state() == before
    assert not journal_path(tmp_path, FUNCTION).exists()


def test_an_alias_apply_created_is_deleted_by_the_restore(live, tmp_path):
    served = live()
    before = served.state()
    apply(tmp_path, from_options(provisioned=2))
    assert served.state()["aliases"] == [(ALIAS, "1", "None")] and served.state()["provisioned"] == [(ALIAS, 2)]
    assert "deleted alias live, which advisor apply had created" in restore_function(tmp_path, FUNCTION)
    assert served.state() == before


def test_a_second_apply_is_refused_while_the_journal_of_the_first_is_there(live, tmp_path):
    served = live()
    served.deploy()
    apply(tmp_path, from_options(memory_mb=2048))
    changed = served.state()
    with pytest.raises(TargetError, match=r"advisor apply changed captioner on .* Run `advisor restore captioner` "
                                          r"to put the original back first, or `advisor restore captioner --keep`"):
        apply(tmp_path, from_options(memory_mb=512))
    assert served.state() == changed


def test_restore_keep_forgets_the_journal_and_changes_nothing(live, tmp_path):
    served = live()
    served.deploy()
    apply(tmp_path, from_options(memory_mb=2048, provisioned=1))
    changed = served.state()
    assert restore_function(tmp_path, FUNCTION, keep=True)[0].startswith("kept the configuration advisor apply set")
    assert served.state() == changed and not journal_path(tmp_path, FUNCTION).exists()
    apply(tmp_path, from_options(memory_mb=1024))  # a new apply may start: its original is today's
    assert served.state()["memory_mb"] == 1024


def test_a_failure_mid_apply_puts_back_what_was_already_changed(live, tmp_path):
    served = live(max_concurrency=2)  # the account's concurrency: provisioning 5 is refused
    served.deploy()
    before = served.state()
    restored: list[list[str]] = []
    prepared = session.prepare(FUNCTION, from_options(memory_mb=2048, provisioned=5), alias=ALIAS,
                               connection=session.Connection())
    with pytest.raises(Exception, match="exceed the account's concurrency limit"):
        session.run(prepared, tmp_path, on_restored=restored.append)
    assert restored == [["pointed alias live back at version 1",
                         "deleted version 2, which advisor apply had published",
                         "put back $LATEST's memory 1,024 MB (was 2,048 MB)"]]
    assert served.state() == before and not journal_path(tmp_path, FUNCTION).exists()


def test_a_deployment_after_the_apply_is_left_alone_by_the_restore(live, tmp_path):
    served = live()
    served.deploy()
    apply(tmp_path, from_options(memory_mb=2048))
    lam = served.lam()
    lam.update_function_configuration(FunctionName=FUNCTION, MemorySize=4096)  # someone deploys
    lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=version)
    lines = restore_function(tmp_path, FUNCTION)
    assert any(line.startswith(f"note: alias live now points to version {version}") for line in lines)
    assert any(line.startswith("note: $LATEST's memory is now 4,096 MB") for line in lines)
    after = served.state()
    assert after["memory_mb"] == 4096 and (ALIAS, version, "None") in after["aliases"]


def test_a_plan_that_changed_before_it_was_applied_is_refused(live, tmp_path):
    served = live()
    served.deploy()
    prepared = session.prepare(FUNCTION, from_options(memory_mb=2048), alias=ALIAS, connection=session.Connection())
    served.lam().update_function_configuration(FunctionName=FUNCTION, MemorySize=2048)
    with pytest.raises(TargetError, match="changed since the plan was shown; nothing was applied"):
        session.run(prepared, tmp_path)
    assert not journal_path(tmp_path, FUNCTION).exists()


def test_an_apply_holds_the_tuning_lock_of_the_function(live, tmp_path):
    served = live()
    served.deploy()
    with TuneLock(tmp_path, FUNCTION, study="nightly"), pytest.raises(TuningLockedError, match="study nightly"):
        apply(tmp_path, from_options(memory_mb=2048))
    with TuneLock(tmp_path, FUNCTION, study=session.LOCK_LABEL), pytest.raises(
            TuningLockedError, match=rf"captioner is already being changed by pid {os.getpid()} .*\(advisor apply\)"):
        TuneLock(tmp_path, FUNCTION, study="nightly").acquire()  # what a tuner started meanwhile is told


@pytest.mark.parametrize(("setup", "desired", "message"), [
    ("routing", from_options(provisioned=1), r"alias live of captioner routes traffic to two versions"),
    ("unreleased", from_options(memory_mb=2048), r"\$LATEST of captioner differs from version 1, which alias live "
                                                 r"runs, in Environment: publishing it would release that too"),
    ("policy", from_options(provisioned=1), r"has Application Auto Scaling policies \(track\)"),
], ids=["weighted-alias", "unreleased-latest", "scaling-policy"])
def test_what_apply_cannot_do_safely_is_refused_before_anything_changes(live, tmp_path, setup, desired, message):
    served = live()
    served.deploy()
    lam = served.lam()
    if setup == "routing":
        lam.update_function_configuration(FunctionName=FUNCTION, MemorySize=2048)
        lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
        second = lam.publish_version(FunctionName=FUNCTION)["Version"]
        lam.update_alias(FunctionName=FUNCTION, Name=ALIAS, RoutingConfig={"AdditionalVersionWeights": {second: 0.1}})
    if setup == "unreleased":
        lam.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": {"MODEL": "vit"}})
    if setup == "policy":
        served.schedule({})
        served.aas().put_scaling_policy(
            PolicyName="track", ServiceNamespace="lambda", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 0.7, "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}})
    before = served.state()
    with pytest.raises(TargetError, match=message):
        apply(tmp_path, desired)
    assert served.state() == before and not journal_path(tmp_path, FUNCTION).exists()


def test_keep_warm_without_an_alias_is_refused_naming_the_option(live, tmp_path):
    live()
    with pytest.raises(UsageError, match=r"provisioned concurrency lives on an alias.*Pass --alias NAME"):
        apply(tmp_path, from_options(provisioned=2), alias=None)


def test_every_operation_apply_and_restore_make_is_in_the_apply_policy_and_it_holds_no_other(live, tmp_path):
    from advisor.apply.restore import restore
    from advisor.apply.state import Clients

    served = live(layers={LAYER: []})  # a layer that lists no architectures: read, named in a note
    served.deploy()
    served.schedule({"theirs": ("cron(0 6 * * ? *)", 2, 2)})
    boto = boto3.Session(region_name=REGION)
    called: dict[str, set[str]] = {"lambda": set(), "application-autoscaling": set()}
    for service in called:
        boto.events.register(f"before-call.{service}",
                             lambda model, service=service, **_: called[service].add(model.name))
    before = served.state()
    for alias, desired in [(ALIAS, from_options(memory_mb=2048, schedule=SCHEDULE)),  # a schedule replaces theirs
                           (ALIAS, from_options(provisioned=0)),  # their scalable target removed
                           ("canary", from_options(provisioned=1)),  # an alias created
                           (ALIAS, from_options(architecture=OTHER))]:  # the code re-uploaded with it
        prepared = session.prepare(FUNCTION, desired, alias=alias, connection=session.Connection(session=boto))
        session.run(prepared, tmp_path)
        journal = Journal.load(tmp_path, FUNCTION)
        assert journal is not None and journal.original is not None
        restore(Clients.connect(session=boto, endpoints=journal.original["endpoints"]), journal.original,
                journal.created)
        journal.remove()
        assert served.state() == before
    # The waiter's GetFunction and the restore's reads are there too: the policy is exactly what is called.
    assert called == {service: set(operations) for service, operations in OPERATIONS["apply"].items()}


APPLIER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from advisor.apply import session
    from advisor.apply.desired import from_options
    import advisor.aws as aws
    original_wait = aws.wait
    def announced(*args, **kwargs):
        print("changing", flush=True)  # $LATEST's update is in progress: the signal lands mid-apply
        original_wait(*args, **kwargs)
    aws.wait = announced
    prepared = session.prepare("captioner", from_options(memory_mb=2048, provisioned=1), alias="live",
                               connection=session.Connection())
    session.run(prepared, Path(sys.argv[1]))
""")


def _start_applier(served, workspace: Path) -> subprocess.Popen[str]:
    env = {**os.environ, **served.env(), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-c", APPLIER, str(workspace)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None and process.stdout.readline().strip() == "changing"
    return process


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_mid_apply_restores_before_the_process_exits(live, tmp_path, signum):
    served = live(update_delay_s=3.0)  # an update stays in progress for 3 s: the waiter is mid-apply
    served.deploy()
    before = served.state()
    process = _start_applier(served, tmp_path)
    time.sleep(0.5)
    assert served.state()["memory_mb"] == 2048 and journal_path(tmp_path, FUNCTION).exists()
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0 and "KeyboardInterrupt" in err
    assert served.state() == before and not journal_path(tmp_path, FUNCTION).exists()


def test_after_sigkill_mid_apply_advisor_restore_in_another_process_puts_everything_back(live, tmp_path):
    served = live(update_delay_s=3.0)
    served.deploy()
    before = served.state()
    process = _start_applier(served, tmp_path)
    process.kill()
    process.wait()
    assert served.state()["memory_mb"] == 2048
    restore = [sys.executable, "-m", "advisor", "restore", FUNCTION, "--workspace", str(tmp_path)]
    env = {**os.environ, **served.env()}
    done = subprocess.run(restore, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"took over the tuning lock of captioner from pid {process.pid} ")
    assert "put back $LATEST's memory 1,024 MB (was 2,048 MB)" in done.stdout
    assert served.state() == before
