"""``advisor apply`` switching the architecture: the code re-uploaded (or given) with it, refused when
it holds native code, and put back with the original architecture by ``advisor restore`` and on a
failure (Lambda served by ``advisor local serve``, Application Auto Scaling by moto)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy
import pytest

from advisor.apply import session
from advisor.apply.code import CodeSource
from advisor.apply.desired import from_options
from advisor.errors import InputError, TargetError
from advisor.platform.aws_lambda import code_sha256
from advisor.targets.lambda_code import CODE_ATTACHMENT
from advisor.tune.journal import attachment_path, journal_path, restore_function

from .conftest import ALIAS, FUNCTION, NATIVE, OTHER, REPO

LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:onnxruntime:7"


def shared_object() -> bytes:
    """A real ELF shared object, built for this machine (numpy's smallest extension module)."""
    found = sorted(Path(numpy.__file__).parent.rglob("*.so"), key=lambda p: p.stat().st_size)
    return found[0].read_bytes()


def package(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def apply(workspace: Path, architecture: str, *, code: CodeSource | None = None, **options: int) -> session.Outcome:
    prepared = session.prepare(FUNCTION, from_options(architecture=architecture, **options), alias=ALIAS,
                               connection=session.Connection(), code=code)
    return session.run(prepared, workspace)


def test_a_pure_python_package_switches_architecture_and_restore_switches_it_back_with_the_same_code(live, tmp_path):
    served = live()
    served.deploy()
    before = served.state()
    outcome = apply(tmp_path, OTHER)
    assert outcome.actions[0].startswith(f"switched $LATEST to {OTHER} with its own package re-uploaded")
    after = served.state()
    assert after["architecture"] == [OTHER] and after["code"] == before["code"]  # the same bytes
    assert after["aliases"] == [(ALIAS, "2", "None")]  # a new version on the new architecture, for the callers
    assert [(v[0], v[3]) for v in after["versions"]] == [("$LATEST", OTHER), ("1", NATIVE), ("2", OTHER)]
    kept = attachment_path(tmp_path, FUNCTION, CODE_ATTACHMENT)
    assert code_sha256(kept.read_bytes()) == before["code"]  # the original package, beside the journal
    lines = restore_function(tmp_path, FUNCTION)
    assert f"put back $LATEST's original code (CodeSha256 {before['code']}) on {NATIVE} (was {OTHER})" in lines
    assert served.state() == before
    assert not journal_path(tmp_path, FUNCTION).exists() and not kept.exists()


def test_a_package_holding_native_code_is_refused_naming_the_files_and_nothing_changes(live, tmp_path):
    served = live()
    native = package({"handler.py": b"def echo(event, context):\n    return event\n",
                      "lib/_fast.cpython-311-x86_64-linux-gnu.so": shared_object(), "bin/tokenize": shared_object()})
    lam = served.lam()
    lam.update_function_code(FunctionName=FUNCTION, ZipFile=native)  # a deployment of an ML package
    lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    served.deploy()
    before = served.state()
    with pytest.raises(TargetError, match=r"holds native code \(lib/_fast\.cpython-311-x86_64-linux-gnu\.so, "
                                          r"bin/tokenize: 2 files\).*--code PATH\.zip") as refused:
        apply(tmp_path, OTHER)
    assert f"would not run on {OTHER}" in refused.value.message
    assert served.state() == before and not journal_path(tmp_path, FUNCTION).exists()


def test_code_given_for_the_new_architecture_is_uploaded_and_restore_puts_the_original_back(live, tmp_path):
    served = live()
    served.deploy()
    before = served.state()
    built = tmp_path / "built.zip"
    built.write_bytes(package({"handler.py": b"def echo(event, context):\n    return {'built': True}\n"}))
    apply(tmp_path / "ws", OTHER, code=CodeSource(zip_path=built), memory_mb=2048)
    after = served.state()
    wanted = ([OTHER], code_sha256(built.read_bytes()), 2048)
    assert (after["architecture"], after["code"], after["memory_mb"]) == wanted
    restore_function(tmp_path / "ws", FUNCTION)
    assert served.state() == before


def test_code_holding_native_code_for_the_old_architecture_is_refused(live, tmp_path):
    served = live()
    before = served.state()
    built = tmp_path / "built.zip"
    built.write_bytes(package({"handler.py": b"", "lib/_fast.so": shared_object()}))
    with pytest.raises(InputError, match=rf"--code {built} holds native code not built for {OTHER} \(lib/_fast\.so"):
        apply(tmp_path / "ws", OTHER, code=CodeSource(zip_path=built))
    assert served.state() == before


def test_a_failure_after_the_code_update_restores_the_architecture_and_the_code(live, tmp_path):
    served = live(max_concurrency=2)  # the account's concurrency: provisioning 5 is refused
    served.deploy()
    before = served.state()
    restored: list[list[str]] = []
    prepared = session.prepare(FUNCTION, from_options(architecture=OTHER, memory_mb=2048, provisioned=5),
                               alias=ALIAS, connection=session.Connection())
    with pytest.raises(Exception, match="exceed the account's concurrency limit"):
        session.run(prepared, tmp_path, on_restored=restored.append)
    assert restored == [["pointed alias live back at version 1",
                         "deleted version 2, which advisor apply had published",
                         "put back $LATEST's memory 1,024 MB (was 2,048 MB)",
                         f"put back $LATEST's original code (CodeSha256 {before['code']}) on {NATIVE} (was {OTHER})"]]
    assert served.state() == before
    assert not journal_path(tmp_path, FUNCTION).exists()
    assert not attachment_path(tmp_path, FUNCTION, CODE_ATTACHMENT).exists()


def test_a_layer_built_for_the_old_architecture_only_is_refused(live, tmp_path):
    served = live(layers={LAYER: [NATIVE]})
    before = served.state()
    with pytest.raises(TargetError, match=rf"layer {LAYER} of captioner is for {NATIVE} only, not {OTHER}"):
        apply(tmp_path, OTHER)
    assert served.state() == before


def test_a_layer_that_lists_no_architectures_is_named_in_a_note(live, tmp_path):
    live(layers={LAYER: []})
    prepared = session.prepare(FUNCTION, from_options(architecture=OTHER), alias=ALIAS,
                               connection=session.Connection())
    assert prepared.plan.notes[0] == (f"layer {LAYER} lists no architectures: check that it holds no native code "
                                      f"for {NATIVE} only")


def test_a_deployment_after_the_switch_is_left_alone_by_the_restore(live, tmp_path):
    served = live()
    served.deploy()
    apply(tmp_path, OTHER)
    lam = served.lam()
    theirs = package({"handler.py": b"# theirs\n"})
    lam.update_function_code(FunctionName=FUNCTION, ZipFile=theirs, Architectures=[OTHER])
    lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    lines = restore_function(tmp_path, FUNCTION)
    assert any(line.startswith(f"note: $LATEST now has code {code_sha256(theirs)} on {OTHER}") for line in lines)
    assert served.state()["code"] == code_sha256(theirs)


def test_the_sam_snippet_and_the_live_apply_set_the_same_architecture(live, tmp_path):
    import yaml

    from advisor.apply import iac

    served = live()
    served.deploy()
    desired = from_options(architecture=OTHER, memory_mb=2048)
    snippet = yaml.safe_load(iac.render("sam", desired, function=FUNCTION, alias=ALIAS))
    properties = snippet["Resources"]["Captioner"]["Properties"]
    prepared = session.prepare(FUNCTION, desired, alias=ALIAS, connection=session.Connection())
    session.run(prepared, tmp_path)
    assert properties["Architectures"] == served.state()["architecture"] == [prepared.plan.to_dict()["architecture"]]
    assert properties["MemorySize"] == served.state()["memory_mb"]


SWITCHER = """
import sys
from pathlib import Path
from advisor.apply import session
from advisor.apply.desired import from_options
import advisor.aws as aws
original_wait = aws.wait
def announced(*args, **kwargs):
    print("changing", flush=True)  # the code update is in progress: the signal lands mid-switch
    original_wait(*args, **kwargs)
aws.wait = announced
prepared = session.prepare("captioner", from_options(architecture=sys.argv[2]), alias="live",
                           connection=session.Connection())
session.run(prepared, Path(sys.argv[1]))
"""


def test_ctrl_c_during_the_code_update_puts_the_architecture_and_code_back(live, tmp_path):
    served = live(update_delay_s=3.0)  # the code update stays in progress for 3 s
    served.deploy()
    before = served.state()
    env = {**os.environ, **served.env(), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-c", SWITCHER, str(tmp_path), OTHER], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None and process.stdout.readline().strip() == "changing"
    assert served.state()["architecture"] == [OTHER]
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0 and "KeyboardInterrupt" in err
    assert served.state() == before
    assert not journal_path(tmp_path, FUNCTION).exists()
    assert not attachment_path(tmp_path, FUNCTION, CODE_ATTACHMENT).exists()
