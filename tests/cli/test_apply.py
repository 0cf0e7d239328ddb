"""``advisor apply`` on the command line: the table, --json, --dry-run, --iac, the refusals, Ctrl-C,
and ``advisor restore`` after it (Lambda served by ``advisor local serve``, Application Auto
Scaling by moto; AWS is never called)."""

# ruff: noqa: F811 - the fixtures of tests/apply, imported, are the tests' parameters

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor.apply import iac
from advisor.apply.desired import from_file
from advisor.cli import EXIT_INTERRUPTED
from advisor.targets.lambda_api import serve_local
from advisor.tune.iam import policy
from advisor.tune.journal import journal_path
from tests.apply.conftest import ALIAS, FUNCTION, HANDLER, NATIVE, OTHER, live  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[2]
CANDIDATE = {"architecture": "x86_64", "memory_mb": 2048, "monthly_cost_usd": 40.0, "meets_sla": True,
             "keep_warm": {"kind": "schedule", "provisioned": None, "schedule": "08:00-20:00=2,else=1",
                           "ping_interval_s": None, "ping_concurrency": None}}


@pytest.fixture
def rec(tmp_path: Path) -> Path:
    """``advisor recommend captioner --json``'s document, as far as apply reads it."""
    path = tmp_path / "rec.json"
    path.write_text(json.dumps({"function": FUNCTION, "sla": "p95=2s", "recommended": CANDIDATE, "candidates": [
        CANDIDATE], "current": None, "notes": []}))
    return path


def _one_error(result) -> str:  # type: ignore[no-untyped-def]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    return errors[0]


def test_apply_shows_the_changes_applies_them_and_restore_puts_the_original_back(cli, live, rec, tmp_path):
    served = live()
    served.deploy()
    before = served.state()
    done = cli("apply", FUNCTION, "--from", rec, "--alias", ALIAS, "--yes", "-w", tmp_path / "ws")
    assert done.exit_code == 0, done.stderr
    assert re.search(r"memory \(\$LATEST\) +1,024 MB +2,048 MB", done.stdout), done.stdout
    assert re.search(r"alias live +version 1 \(1,024 MB\) +a new version of \$LATEST", done.stdout)
    assert re.search(r"provisioned schedule on live +none +08:00=2, 20:00=1 \(UTC,", done.stdout)
    assert "applied. The original is recorded in" in done.stdout
    assert served.state()["memory_mb"] == 2048
    restored = cli("restore", FUNCTION, "-w", tmp_path / "ws")
    assert restored.exit_code == 0 and restored.stdout.endswith("captioner is restored; its journal is removed.\n")
    assert served.state() == before


def test_json_says_what_was_planned_and_done_and_where_the_journal_is(cli, live, rec, tmp_path):
    served = live()
    served.deploy()
    done = cli("apply", FUNCTION, "--from", rec, "--alias", ALIAS, "--yes", "--json", "-w", tmp_path / "ws")
    document = json.loads(done.stdout)
    # the keys docs/apply.md ("Output") documents
    assert set(document) == {"function", "desired", "plan", "dry_run", "applied", "actions", "journal"}
    assert set(document["plan"]) == {"function", "alias", "changes", "architecture", "code", "memory_mb", "publish",
                                     "provisioned", "schedule", "scheduled_actions", "notes"}
    assert document["applied"] is True and Path(document["journal"]) == journal_path(tmp_path / "ws", FUNCTION)
    assert document["desired"] == from_file(rec, function=FUNCTION).to_dict()
    assert [c["setting"] for c in document["plan"]["changes"]] == [
        "memory ($LATEST)", "alias live", "provisioned schedule on live"]
    assert [a["schedule"] for a in document["plan"]["scheduled_actions"]] == ["cron(0 8 * * ? *)",
                                                                             "cron(0 20 * * ? *)"]
    assert document["actions"][0] == "set $LATEST's memory to 2,048 MB (was 1,024 MB)"


def test_dry_run_shows_the_plan_and_changes_nothing(cli, live, rec, tmp_path):
    served = live()
    served.deploy()
    before = served.state()
    done = cli("apply", FUNCTION, "--from", rec, "--alias", ALIAS, "--dry-run", "--json", "-w", tmp_path / "ws")
    document = json.loads(done.stdout)
    assert document["dry_run"] is True and document["applied"] is False and document["actions"] == []
    assert len(document["plan"]["changes"]) == 3
    assert served.state() == before and not journal_path(tmp_path / "ws", FUNCTION).exists()


def test_a_function_that_already_has_the_configuration_gets_nothing_to_change(cli, live, tmp_path):
    live()
    done = cli("apply", FUNCTION, "--memory", "1024", "--yes", "-w", tmp_path / "ws")
    assert done.exit_code == 0 and "already has this configuration: nothing to change" in done.stdout
    assert not journal_path(tmp_path / "ws", FUNCTION).exists()


def test_a_second_apply_is_refused_with_what_to_run(cli, live, tmp_path):
    served = live()
    served.deploy()
    assert cli("apply", FUNCTION, "--memory", "2048", "--yes", "-w", tmp_path / "ws").exit_code == 0
    again = cli("apply", FUNCTION, "--memory", "512", "--yes", "-w", tmp_path / "ws")
    assert again.exit_code == 6
    assert _one_error(again).endswith("Run `advisor restore captioner` to put the original back first, or "
                                      "`advisor restore captioner --keep` to keep what was applied; then run again.")
    kept = cli("restore", FUNCTION, "--keep", "-w", tmp_path / "ws")
    assert kept.exit_code == 0 and "captioner keeps what was applied" in kept.stdout
    assert served.state()["memory_mb"] == 2048


def test_an_unknown_function_is_one_line_and_exit_4(cli, fake_aws_credentials, tmp_path):
    with serve_local(HANDLER, function_name=FUNCTION) as server:
        done = cli("apply", "nope", "--memory", "2048", "--yes", "--endpoint-url", server.endpoint_url,
                   "-w", tmp_path / "ws")
    assert done.exit_code == 4
    assert _one_error(done).startswith("error: function 'nope' was not found in AWS")


def test_without_a_terminal_or_yes_it_refuses_before_reading_the_function(cli, tmp_path):
    done = cli("apply", FUNCTION, "--memory", "2048", "-w", tmp_path / "ws")  # no server, no credentials needed
    assert done.exit_code == 2
    assert _one_error(done) == ("error: advisor apply changes captioner and stdin is not a terminal to ask on. "
                                "Add --yes to go ahead without asking, or --dry-run to see the changes.")


@pytest.mark.parametrize(("arguments", "code", "message"), [
    (["--from", "{dir}/missing.json"], 3, "error: --from {dir}/missing.json: no such file"),
    (["--from", "{dir}/bad.json"], 3, "error: --from {dir}/bad.json is not JSON"),
    (["--schedule", "8-20=3"], 2, "error: cannot read '8-20=3' in provisioned schedule '8-20=3'"),
    (["--schedule", "08:00-12:00=1,10:00-14:00=2"], 2, "error: windows overlap"),
    (["--provisioned", "-1"], 2, "error: --provisioned"),
    (["--memory", "64"], 2, "error: --memory"),
    (["--from", "{dir}/bad.json", "--memory", "2048"], 2, "error: --from and --memory both say what to apply"),
    ([], 2, "error: nothing to apply"),
    (["--memory", "2048", "--iac", "pulumi"], 2, "error: --iac 'pulumi' is not one of sam, terraform, cdk"),
])
def test_bad_input_is_one_line_naming_it_and_changes_nothing(cli, tmp_path, arguments, code, message):
    (tmp_path / "bad.json").write_text("{not json")
    done = cli("apply", FUNCTION, *[a.format(dir=tmp_path) for a in arguments], "--yes", "-w", tmp_path / "ws")
    assert done.exit_code == code
    assert _one_error(done).startswith(message.format(dir=tmp_path))


@pytest.mark.parametrize("kind", iac.KINDS)
def test_iac_prints_the_snippet_without_calling_aws(cli, rec, tmp_path, kind, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # a call would fail: none may be made
    done = cli("apply", FUNCTION, "--from", rec, "--alias", "prod", "--iac", kind, "-w", tmp_path / "ws")
    assert done.exit_code == 0, done.stderr
    assert done.stdout == iac.render(kind, from_file(rec, function=FUNCTION), function=FUNCTION, alias="prod")


def test_an_architecture_change_is_shown_by_dry_run_and_changes_nothing(cli, live, tmp_path):
    served = live()
    before = served.state()
    done = cli("apply", FUNCTION, "--arch", OTHER, "--dry-run", "--json", "-w", tmp_path / "ws")
    assert done.exit_code == 0, done.stderr
    plan = json.loads(done.stdout)["plan"]
    assert plan["architecture"] == OTHER and plan["code"].startswith("its own package re-uploaded")
    assert plan["changes"][0]["setting"] == "architecture ($LATEST)" and plan["changes"][0]["before"] == NATIVE
    shown = cli("apply", FUNCTION, "--arch", OTHER, "--dry-run", "-w", tmp_path / "ws")
    assert re.search(rf"architecture \(\$LATEST\) +{NATIVE} +{OTHER}: its own package", shown.stdout), shown.stdout
    assert served.state() == before and not journal_path(tmp_path / "ws", FUNCTION).exists()


def test_code_options_are_refused_without_an_architecture_change_or_together(cli, live, tmp_path):
    live()
    alone = cli("apply", FUNCTION, "--memory", "2048", "--code", tmp_path / "x.zip", "--yes", "-w", tmp_path / "ws")
    assert alone.exit_code == 2 and "--code goes with an architecture change" in _one_error(alone)
    both = cli("apply", FUNCTION, "--arch", OTHER, "--code", tmp_path / "x.zip", "--image-uri", "repo:tag",
               "--yes", "-w", tmp_path / "ws")
    assert both.exit_code == 2 and "--code and --image-uri both give the code" in _one_error(both)


def test_restore_keep_is_refused_for_a_tunings_journal(cli, tmp_path):
    from advisor.tune.journal import Journal

    Journal.begin(tmp_path / "ws", FUNCTION, None)
    done = cli("restore", FUNCTION, "--keep", "-w", tmp_path / "ws")
    assert done.exit_code == 2 and "is a tuning's: captioner may be half-changed" in _one_error(done)
    assert journal_path(tmp_path / "ws", FUNCTION).exists()


def test_the_apply_policy_is_printed(cli):
    done = cli("iam-policy", "apply", "--function", FUNCTION, "--account", "123456789012")
    document = json.loads(done.stdout)
    assert document == policy("apply", function=FUNCTION, account="123456789012")
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert "application-autoscaling:PutScheduledAction" in by_sid["AdvisorProvisionedSchedule"]["Action"]
    assert by_sid["AdvisorScalingRole"]["Condition"] == {
        "StringLike": {"iam:AWSServiceName": "lambda.application-autoscaling.amazonaws.com"}}
    assert by_sid["AdvisorDeleteOwnVersions"]["Resource"] == [
        f"arn:aws:lambda:*:123456789012:function:{FUNCTION}:*"]


def test_ctrl_c_during_an_apply_exits_130_after_putting_everything_back(live, tmp_path):
    served = live(update_delay_s=3.0)
    served.deploy()
    before = served.state()
    advisor = str(Path(sys.executable).parent / "advisor")
    child = subprocess.Popen(
        [advisor, "apply", FUNCTION, "--memory", "2048", "--provisioned", "1", "--alias", ALIAS, "--yes",
         "-w", str(tmp_path / "ws")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **served.env()},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509 - as a shell runs it
    deadline = time.monotonic() + 30
    while served.state()["memory_mb"] != 2048 and time.monotonic() < deadline:
        time.sleep(0.1)  # until $LATEST's update is in progress: the apply is mid-way
    assert child.poll() is None, child.communicate()
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == EXIT_INTERRUPTED, err
    assert "restored: put back $LATEST's memory 1,024 MB (was 2,048 MB)" in err and "Traceback" not in err
    assert served.state() == before and not journal_path(tmp_path / "ws", FUNCTION).exists()


class _Terminal(io.StringIO):
    """A stdin that is a terminal holding the user's answer."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer", ["n", "y"])
def test_without_yes_it_shows_the_table_asks_and_does_what_the_answer_says(cli, live, tmp_path, monkeypatch, answer):
    served = live()
    served.deploy()
    before = served.state()
    monkeypatch.setattr("sys.stdin", _Terminal(f"{answer}\n"))
    done = cli("apply", FUNCTION, "--memory", "2048", "--provisioned", "1", "--alias", ALIAS, "-w", tmp_path / "ws")
    assert re.search(r"provisioned concurrency on live +none +1", done.stderr)
    assert "Apply these changes to captioner now? [y/N]" in done.stderr
    if answer == "n":
        assert done.exit_code == 1 and done.stderr.endswith("not applied: nothing was changed.\n")
        assert served.state() == before and not journal_path(tmp_path / "ws", FUNCTION).exists()
    else:
        assert done.exit_code == 0 and served.state()["provisioned"] == [(ALIAS, 1)]


def test_sla_applies_the_workspaces_recommendation_the_same_as_its_json(cli, tmp_path):
    trace = REPO / "traces" / "azure2019-543bec406831_inv.csv"
    ws = tmp_path / "ws"
    assert cli("import", "trace", trace, "-w", ws).exit_code == 0
    recommended = cli("recommend", "543bec406831", "--sla", "p95=40s", "--platforms", "none", "--json", "-w", ws)
    assert recommended.exit_code == 0, recommended.stderr
    (tmp_path / "rec.json").write_text(recommended.stdout)
    from_sla = cli("apply", "543bec406831", "--sla", "p95=40s", "--iac", "terraform", "-w", ws)
    from_json = cli("apply", "543bec406831", "--from", tmp_path / "rec.json", "--iac", "terraform", "-w", ws)
    assert from_sla.exit_code == 0, from_sla.stderr
    assert from_sla.stdout == from_json.stdout
    memory = json.loads(recommended.stdout)["recommended"]["memory_mb"]
    assert re.search(rf"memory_size\s*=\s*{memory}\b", from_sla.stdout), from_sla.stdout


def test_an_sla_nothing_meets_is_refused_with_the_command_that_says_why(cli, tmp_path):
    trace = REPO / "traces" / "azure2019-543bec406831_inv.csv"
    ws = tmp_path / "ws"
    assert cli("import", "trace", trace, "-w", ws).exit_code == 0
    result = cli("apply", "543bec406831", "--sla", "p95=100ms", "--iac", "sam", "-w", ws)
    assert result.exit_code == 2
    assert "nothing to apply" in _one_error(result) and "advisor recommend 543bec406831" in result.stderr


def test_sla_and_explicit_settings_together_are_refused(cli, tmp_path):
    result = cli("apply", "fn", "--sla", "p95=2s", "--memory", "2048", "--iac", "sam", "-w", tmp_path / "ws")
    assert result.exit_code == 2 and "--sla and --memory both say what to apply" in _one_error(result)
