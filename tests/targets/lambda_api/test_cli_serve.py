"""``advisor local serve`` as a real process: it prints its endpoint, serves boto3, stops on Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
_URL = re.compile(r"at (http://127\.0\.0\.1:\d+)")


def test_the_command_serves_a_handler_until_interrupted(lambda_client, tmp_path) -> None:
    log = tmp_path / "served.log"
    command = [sys.executable, "-m", "advisor", "local", "serve", f"{EXAMPLES / 'io_wait.py'}:handler", "--port",
               "0", "--function-name", "waiter", "--memory", "256", "--env", "TEST_MODE=cli", "--log", str(log)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        found = _URL.search(first)
        assert found, first + process.stderr.read()
        client = lambda_client(found.group(1))
        config = client.get_function_configuration(FunctionName="waiter")
        assert (config["MemorySize"], config["Environment"]) == (256, {"Variables": {"TEST_MODE": "cli"}})
        answer = client.invoke(FunctionName="waiter", Payload=b'{"delay_ms": 20}')
        assert json.loads(answer["Payload"].read()) == {"answer": 42}
        rest = process.stdout.readline() + process.stdout.readline()
        assert f"--endpoint-url {found.group(1)}" in rest
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert out.rstrip().endswith("stopped.")
    assert "CPU limited to" in out or "warning: CPU NOT limited" in err  # how durations are measured here
    assert "REPORT RequestId:" in log.read_text()


def test_the_command_serves_an_image_function_with_the_images_given(lambda_client) -> None:
    repo, digest = "123456789012.dkr.ecr.us-east-1.amazonaws.com/waiter", "sha256:" + "ab" * 32
    command = [sys.executable, "-m", "advisor", "local", "serve", f"{EXAMPLES / 'io_wait.py'}:handler", "--port",
               "0", "--function-name", "waiter", "--image", f"{repo}:v1={digest}", "--image-uri", f"{repo}:v1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        found = _URL.search(first)
        assert found, first + process.stderr.read()
        code = lambda_client(found.group(1)).get_function(FunctionName="waiter")
        assert code["Code"]["ResolvedImageUri"] == f"{repo}@{digest}"
        assert (code["Configuration"]["PackageType"], code["Configuration"]["CodeSha256"]) == ("Image", "ab" * 32)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_a_port_in_use_is_a_one_line_error(tmp_path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "advisor", "local", "serve",
                                 f"{EXAMPLES / 'io_wait.py'}:handler", "--port", str(port)],
                                check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--log-format", "XML"], "log format 'XML' is not one of Text, JSON"),
    (["--env", "NOEQUALS"], "--env 'NOEQUALS' is not KEY=VALUE"),
    (["--env", "AWS_REGION=x"], "Reserved keys used in this request: AWS_REGION"),
    (["--inject", "throttle=2"], "fault throttle=2.0 is not a fraction from 0 to 1"),
    (["--timeout", "2.5s"], "timeout 2.5s is not whole seconds"),
    (["--port", "70000"], "--port 70,000 is outside the port"),
    (["--image", "repo:tag"], "--image 'repo:tag' is not URI=DIGEST"),
    (["--image-uri", "example.com/model:arm64"], "Source image example.com/model:arm64 does not exist"),
])
def test_bad_options_are_one_line_usage_errors(cli, args, message) -> None:
    result = cli("local", "serve", f"{EXAMPLES / 'io_wait.py'}:handler", "--port", "0", *args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
