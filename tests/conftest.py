"""Fixtures shared by the whole suite: the CLI runner, golden files, the shared data."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from advisor.cli import run

# The machine is small and noisy: no per-example deadline, fixed example budget (raise it
# with ADVISOR_HYPOTHESIS_EXAMPLES for a search deeper than CI's, e.g. before a release).
settings.register_profile(
    "advisor", deadline=None, max_examples=int(os.environ.get("ADVISOR_HYPOTHESIS_EXAMPLES", "200")),
    suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("advisor")

# A suite started in the background by a non-interactive shell (`cmd &`, nohup) inherits SIGINT
# ignored, and so would every process the tests start: the tests that send Ctrl-C to a tuner,
# an apply or a server would then wait for an interrupt that never comes. Child processes get
# the default disposition back once this process handles SIGINT itself.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
#: Real public data (read-only, with provenance) lives beside the checkout, as on CI.
SHARED_DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data"))

#: Rendered reports are compared at this width, without colour.
REPORT_WIDTH = 100


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite tests/golden/*.txt from the current output instead of comparing.",
    )


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def shared_data() -> Path:
    """The directory of real public data (``../shared/data``)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; set ADVISOR_SHARED_DATA")
    return SHARED_DATA


@pytest.fixture
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake AWS credentials and region only, no profile or config file: nothing can reach AWS."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty workspace directory, also set as ADVISOR_HOME."""
    path = tmp_path / "ws"
    monkeypatch.setenv("ADVISOR_HOME", str(path))
    return path


@pytest.fixture
def cli(workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``advisor ARGS...`` in-process at a fixed width without colour.

    Returns a function ``cli(*args) -> CliResult``.
    """
    monkeypatch.setenv("COLUMNS", str(REPORT_WIDTH))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("FORCE_COLOR", raising=False)

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with ``tests/golden/NAME`` (``pytest --update-goldens`` rewrites it)."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            return
        if not path.exists():
            pytest.fail(f"golden file {path} missing; run pytest --update-goldens to create it")
        assert text == path.read_text(), f"output differs from {path}; rerun with --update-goldens if intended"

    return check


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A real moto server on 127.0.0.1 for the session (tests reset its state as they need)."""
    import logging

    from moto.server import ThreadedMotoServer

    # Its request log would go to whatever stream a test captured when the server started.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
