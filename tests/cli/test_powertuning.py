"""``advisor import powertuning`` and ``advisor export powertuning-url`` at the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.powertuning.url import decode_url

DATA = Path(__file__).parents[1] / "powertuning" / "data"
README_URL = (DATA / "readme-visualization-url.txt").read_text().strip()
ISSUE_265 = DATA / "issue265-output.json"


def test_import_reports_each_input_its_sizes_and_what_was_stored(cli, workspace: Path) -> None:
    result = cli("import", "powertuning", "api-handler", ISSUE_265, README_URL, "--arch", "arm64")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "api-handler: 12 sizes from 2 inputs" in out
    assert f"read {ISSUE_265} as powertuning-output: stats of the execution's output" in out
    assert "as powertuning-url: visualization URL" in out
    assert "added 12, duplicates 0" in out
    assert "n/a invocations: the input does not say" in out, "unknown counts are n/a with the reason"
    again = cli("import", "powertuning", "api-handler", README_URL, "--arch", "arm64")
    assert "added 0, duplicates 6" in again.stdout


def test_a_dry_run_prints_one_json_document_and_stores_nothing(cli, workspace: Path) -> None:
    result = cli("import", "powertuning", "api-handler", ISSUE_265, "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["function"] == "api-handler" and "stored" not in doc
    assert [s["memory_mb"] for s in doc["inputs"][0]["sizes"]] == [128, 256, 512, 1024, 1536, 2048]
    assert not workspace.exists()
    stored = json.loads(cli("import", "powertuning", "api-handler", ISSUE_265, "--json").stdout)
    assert stored["stored"] == {"added": 6, "duplicates": 0}


@pytest.mark.parametrize(("args", "code", "says"), [
    (["https://example.org/#a;b;c"], 3, "is not a Power Tuning visualization URL (host 'example.org'"),
    ([str(DATA / "issue83-output.json")], 3, "has no stats"),
    (["missing.json"], 4, "missing.json: no such file"),
    ([str(ISSUE_265), "--arch", "sparc"], 2, "--arch 'sparc' is not a Lambda architecture"),
])
def test_bad_input_is_one_line_naming_it_with_a_non_zero_exit(cli, args: list[str], code: int, says: str) -> None:
    result = cli("import", "powertuning", "f", *args)
    assert result.exit_code == code
    assert result.stderr.startswith("error: ") and says in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_export_prints_the_url_then_its_figures(cli, workspace: Path, tmp_path: Path) -> None:
    from tests.logs._samples import write

    assert cli("import", "logs", write(tmp_path, "S002"), "--function", "f").exit_code == 0
    result = cli("export", "powertuning-url", "f")
    assert result.exit_code == 0, result.stderr
    url = result.stdout.splitlines()[0]
    (only,) = decode_url(url).sets
    assert only.memory_mb == (256,) and only.duration_ms == pytest.approx((4157.16,))
    assert "1 traffic" in result.stdout and "4,157.16" in result.stdout


def test_export_of_a_function_without_measurements_says_how_to_get_them(cli, workspace: Path) -> None:
    cli("import", "powertuning", "f", README_URL)
    result = cli("export", "powertuning-url", "f")
    assert result.exit_code == 3 and "advisor tune f" in result.stderr
    assert cli("export", "powertuning-url", "g").exit_code == 4
