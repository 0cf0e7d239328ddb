"""The worked examples of docs/examples.md: their commands, run on the bundled data.

Every ``advisor`` command whose output docs/examples.md shows is listed here, once, in
:data:`EXAMPLES` (grouped: the commands of a group share one fresh workspace, in order). The
doc holds each output between ``<!-- example NAME -->`` and ``<!-- /example -->``;
``python scripts/examples.py`` (what ``scripts/examples.sh`` runs) runs every command in-process
at the width and without the colour of the golden files and rewrites those blocks, and
``tests/test_examples.py`` runs the same commands and fails when a block differs, so the doc
cannot drift from what advisor prints.

The measurements behind the bundled data (``advisor local invoke``, ``advisor local profile``,
``advisor tune --target local``) are real runs on one machine: docs/examples.md shows them as
recorded, with their provenance, and this script does not rerun them. The traces that serve a
real trace's arrivals with the measured invocations are rebuilt by ``scripts/examples_trace.py``
from the bundled log (:data:`DERIVED`; the test checks they are reproduced byte for byte).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "examples.md"
#: Rendered at the width of the golden files (tests/conftest.py), without colour.
WIDTH = 100
ENV = {"COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb"}

LOG = "traces/local-mlp-classifier.log"
SPARSE = "traces/azure2019-490f408b7641_inv.csv"
DAY = "traces/azure2019-543bec406831_inv.csv"
#: Derived traces: (output, scripts/examples_trace.py arguments).
DERIVED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("traces/mlp-classifier-490f408b7641.csv", (LOG, SPARSE)),
    ("traces/mlp-classifier-1536-543bec406831.csv", (LOG, DAY, "--memory", "1536")),
)
SERVED_SPARSE = DERIVED[0][0]
SERVED_DAY = DERIVED[1][0]

#: group -> [(block name, advisor arguments)], run in order in one fresh workspace per group.
EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "blip": [
        ("blip-cold", f"replay --trace {SPARSE} --keep-alive 60s --init-ms 60000 "
                      "--compare keep-alive=5m --compare keep-alive=15m"),
        ("blip-breakeven", f"breakeven --trace {SPARSE} --sla p95=10s --gpu-ms 1:2000 --gpu-cold-start 60s "
                           "--idle-timeout 60s --serverless-gpu replicate:T4 --serverless-gpu modal:T4 "
                           "--instance g4dn.xlarge --volumes 1,10,100"),
    ],
    "classifier": [
        ("classifier-import", f"import logs {LOG} --function mlp-classifier"),
        ("classifier-analyze", "analyze mlp-classifier"),
        ("classifier-model", "model fit mlp-classifier"),
        *[(f"classifier-replay-{mb}", f"replay --trace {SERVED_SPARSE} --memory {mb} --compare provisioned=1 "
                                      "--compare ping-every=4m,label=pings-4m")
          for mb in (256, 512, 1536)],
    ],
    "volume": [
        ("volume-breakeven", f"breakeven --trace {SERVED_DAY} --sla p99=500ms --gpu-ms 1:49.27 "
                             "--serverless-gpu modal:T4 --instance g4dn.xlarge --volumes 0.1,1,10,100,1000"),
    ],
}

_BLOCK = re.compile(r"(<!-- example (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /example -->)", re.S)


@contextlib.contextmanager
def environment(workspace: Path) -> Iterator[None]:
    """The golden files' terminal and a workspace, for the duration of a group."""
    saved = {key: os.environ.get(key) for key in (*ENV, "ADVISOR_HOME", "FORCE_COLOR")}
    os.environ.update(ENV)
    os.environ["ADVISOR_HOME"] = str(workspace)
    os.environ.pop("FORCE_COLOR", None)
    cwd = Path.cwd()
    os.chdir(ROOT)  # the commands name the bundled files relative to the checkout
    try:
        yield
    finally:
        os.chdir(cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_command(arguments: str) -> str:
    """``advisor ARGUMENTS`` run in-process: the block's text (the command, stdout, stderr).

    Raises:
        RuntimeError: the command failed (a documented example must succeed).
    """
    from advisor.cli import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(shlex.split(arguments))
    if code != 0:
        raise RuntimeError(f"advisor {arguments} exited {code}: {err.getvalue().strip()}")
    text = f"$ advisor {arguments}\n{out.getvalue()}"
    if err.getvalue():
        text += ("" if text.endswith("\n") else "\n") + err.getvalue()
    return text if text.endswith("\n") else text + "\n"


def block(text: str) -> str:
    """A command's text as the doc holds it between the markers."""
    return f"```console\n{text}```\n"


def run_group(group: str, workspace: Path) -> dict[str, str]:
    """Each command of ``group`` run in order in ``workspace``: block name -> block."""
    with environment(workspace):
        return {name: block(run_command(arguments)) for name, arguments in EXAMPLES[group]}


def doc_blocks(text: str) -> dict[str, str]:
    """The blocks docs/examples.md holds, by name."""
    return {match["name"]: match["body"] for match in _BLOCK.finditer(text)}


def rewrite(text: str, blocks: dict[str, str]) -> str:
    """``text`` with every named block replaced (a block the doc lacks is an error)."""
    missing = set(blocks) - set(doc_blocks(text))
    if missing:
        raise KeyError(f"{DOC} has no block for {', '.join(sorted(missing))}")
    return _BLOCK.sub(lambda m: m[1] + blocks.get(m["name"], m["body"]) + m[4], text)


def rebuild_derived() -> None:
    """Rewrite the derived traces from the bundled log and traces."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import examples_trace

    with contextlib.chdir(ROOT):
        for out, arguments in DERIVED:
            examples_trace.main([*arguments, "--out", out])


def main() -> int:
    rebuild_derived()
    blocks: dict[str, str] = {}
    for group in EXAMPLES:
        with tempfile.TemporaryDirectory(prefix=f"advisor-example-{group}-") as workspace:
            blocks.update(run_group(group, Path(workspace) / "ws"))
    DOC.write_text(rewrite(DOC.read_text(), blocks))
    print(f"rewrote {len(blocks)} blocks of {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
