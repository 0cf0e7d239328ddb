"""The evidence sources on real imports: the shared CloudWatch REPORT corpus and the bundled trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.errors import NotFoundError
from advisor.recommend.evidence import POWERTUNING, SOURCES, TRAFFIC, TUNING, gather, traffic
from advisor.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"


def test_sources_are_a_tuple_of_named_callables_the_lead_can_extend() -> None:
    assert isinstance(SOURCES, tuple) and [name for name, _ in SOURCES] == [TUNING, TRAFFIC, POWERTUNING]
    assert all(callable(source) for _, source in SOURCES)


def test_traffic_is_grouped_by_size_with_init_times_and_failures_left_out(cli, workspace: Path,
                                                                          shared_data: Path) -> None:
    logs = shared_data / "lambda-logs" / "01_text_REPORT_lines.txt"
    assert cli("import", "logs", str(logs), "-f", "corpus").exit_code == 0
    with Workspace.open(workspace) as store:
        frame = store.invocations("corpus")
        found = traffic(store, "corpus")
        evidence = gather(store, "corpus")
    ok = frame[frame["status"] == "success"]
    assert sorted(m.memory_mb for m in found) == sorted(ok["memory_mb"].dropna().unique().tolist())
    assert all(m.architecture == "x86_64" for m in found)  # logs never say it: the default, as the tuner's
    assert sum(m.invocations for m in found) == len(ok)
    assert not any(m.failed for m in found)  # a production error is not a size that fails
    inits = sorted(i for m in found for i in m.init_ms())
    assert inits == sorted(ok["init_ms"].dropna().tolist())
    failed = frame[frame["status"] != "success"]
    assert sum(evidence.failed_requests.values()) == len(failed)
    assert evidence.count(TUNING) is None  # nothing tuned: unknown, not 0
    assert evidence.count(TRAFFIC) == len(ok)


def test_gather_windows_the_traffic_and_keeps_the_trace(cli, workspace: Path) -> None:
    assert cli("import", "trace", str(TRACE)).exit_code == 0
    with Workspace.open(workspace) as store:
        whole = gather(store, "543bec406831")
        from datetime import UTC, datetime

        morning = gather(store, "543bec406831", until=datetime(2019, 7, 15, 12, tzinfo=UTC))
    assert whole.trace is not None and len(whole.trace) == 3192
    assert morning.trace is not None and 0 < len(morning.trace) < len(whole.trace)
    assert morning.count(TRAFFIC) == len(morning.trace)
    assert whole.sizes("x86_64") == [256] and whole.architectures() == ["x86_64"]


def test_an_unknown_function_names_the_known_ones(cli, workspace: Path) -> None:
    assert cli("import", "trace", str(TRACE)).exit_code == 0
    with Workspace.open(workspace) as store, pytest.raises(NotFoundError, match="Known functions: 543bec406831"):
        gather(store, "nosuch")


def test_power_tuning_results_are_evidence_beside_the_traffic(cli, workspace: Path) -> None:
    output = REPO / "tests" / "powertuning" / "data" / "issue265-output.json"
    assert cli("import", "trace", str(TRACE)).exit_code == 0
    assert cli("import", "powertuning", "543bec406831", str(output)).exit_code == 0
    with Workspace.open(workspace) as store:
        evidence = gather(store, "543bec406831")
        stored = store.powertuning_results("543bec406831")
    imported = sorted(int(row["memory_mb"]) for row in stored)
    found = evidence.sources[POWERTUNING]
    assert sorted(m.memory_mb for m in found) == imported
    assert evidence.count(POWERTUNING) == len(imported)  # a summary source counts sizes
    assert all(m.invocations == 0 for m in found)  # no invocation advisor made or saw
    assert set(evidence.sizes("x86_64")) >= {256, *imported}
