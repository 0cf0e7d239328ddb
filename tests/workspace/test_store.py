"""The workspace stores functions, records, the import log and state, de-duplicated."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from advisor.errors import InputError, NotFoundError
from advisor.location import resolve_path
from advisor.workspace import (
    DB_FILENAME,
    RECORDS_TABLE,
    REPORT_TABLE,
    SCHEMA_VERSION,
    TRAFFIC_TABLE,
    Workspace,
)

from ._records import make_records

COUNTS = dict(lines=10, parsed=3, ignored=7, rejected=0)


def _three(function: str = "f") -> pd.DataFrame:
    return make_records(
        function,
        [
            ("r1", "2026-01-01T00:00:01.000000001Z", 100.25, 250.0),
            ("r2", "2026-01-01T00:00:02Z", 50.0, None),
            ("r3", "2026-01-01T00:00:03Z", 75.5, None),
        ],
    )


def test_records_round_trip_exactly_with_nanosecond_times(tmp_path: Path) -> None:
    records = _three()
    with Workspace.open(tmp_path) as ws:
        ws.import_records(records, source="a.log", format="text", **COUNTS)
        back = ws.invocations("f")
    pd.testing.assert_frame_equal(back, records)
    assert back["end_time"].iloc[0] == pd.Timestamp("2026-01-01T00:00:01.000000001Z")
    assert back["start_time"].iloc[0] == pd.Timestamp("2026-01-01T00:00:00.649750001Z")


def test_reimporting_the_same_records_adds_nothing(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        first = ws.import_records(_three(), source="a.log", format="text", **COUNTS)
        second = ws.import_records(_three(), source="a.log", format="text", **COUNTS)
        assert (first.added, first.duplicates) == (3, 0)
        assert (second.added, second.duplicates) == (0, 3)
        assert len(ws.invocations("f")) == 3
        log = ws.import_log()
    assert list(log["added"]) == [3, 0]
    assert list(log["duplicates"]) == [0, 3]
    assert list(log["ignored"]) == [7, 7]
    assert list(log["source"]) == ["a.log", "a.log"]


def test_duplicates_inside_one_batch_are_stored_once(tmp_path: Path) -> None:
    records = pd.concat([_three(), _three().iloc[:2]], ignore_index=True)
    with Workspace.open(tmp_path) as ws:
        summary = ws.import_records(records, source="x", format="text", **COUNTS)
        assert (summary.added, summary.duplicates) == (3, 2)


def test_same_request_id_in_two_functions_is_two_records(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.import_records(_three("f"), source="x", format="text", **COUNTS)
        summary = ws.import_records(_three("g"), source="y", format="text", **COUNTS)
        assert summary.added == 3
        assert [(f.name, f.invocations) for f in ws.functions()] == [("f", 3), ("g", 3)]


def test_records_persist_across_reopen(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.import_records(_three(), source="x", format="text", **COUNTS)
    with Workspace.open(tmp_path) as ws:
        assert len(ws.invocations("f")) == 3


def test_a_schema_1_workspace_keeps_its_records_in_the_records_table(tmp_path: Path) -> None:
    # Schema 1 kept the traffic in one table named invocations; it is now a view of two.
    with Workspace.open(tmp_path) as ws:
        ws.import_records(_three(), source="x", format="text", **COUNTS)
    con = duckdb.connect(str(tmp_path / DB_FILENAME))
    con.execute(f"DROP VIEW {TRAFFIC_TABLE}")
    con.execute(f"DROP TABLE {REPORT_TABLE}")
    con.execute(f"ALTER TABLE {RECORDS_TABLE} RENAME TO {TRAFFIC_TABLE}")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    with Workspace.open(tmp_path) as ws:
        pd.testing.assert_frame_equal(ws.invocations("f"), _three())
        again = ws.import_records(_three(), source="x", format="text", **COUNTS)
        assert (again.added, again.duplicates) == (0, 3)
        kinds = dict(ws.connection.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'").fetchall())
        version = ws.connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert (kinds[TRAFFIC_TABLE], kinds[RECORDS_TABLE], kinds[REPORT_TABLE]) == ("VIEW", "BASE TABLE", "BASE TABLE")
    assert version == SCHEMA_VERSION == "2"


def test_time_window_selects_on_end_time(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.import_records(_three(), source="x", format="text", **COUNTS)
        since = datetime(2026, 1, 1, 0, 0, 2, tzinfo=timezone.utc)
        until = datetime(2026, 1, 1, 0, 0, 3, tzinfo=timezone.utc)
        assert list(ws.invocations("f", since=since)["request_id"]) == ["r2", "r3"]
        assert list(ws.invocations("f", since=since, until=until)["request_id"]) == ["r2"]


def test_function_configuration_is_upserted_field_by_field(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.upsert_function("f", memory_mb=1024, architecture="arm64", region="eu-west-1")
        ws.upsert_function("f", runtime="python3.12", memory_mb=2048)
        info = ws.function("f")
    assert (info.memory_mb, info.architecture, info.runtime, info.region) == (2048, "arm64", "python3.12", "eu-west-1")
    assert info.package_type is None and info.invocations == 0


def test_unknown_function_lists_the_known_ones(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.upsert_function("alpha")
        ws.upsert_function("beta")
        with pytest.raises(NotFoundError, match=r"'gamma' is not in workspace .*Known functions: alpha, beta\."):
            ws.function("gamma")


def test_state_is_a_key_value_store(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        assert ws.get_state("k") is None
        ws.set_state("k", "1")
        ws.set_state("k", "2")
    with Workspace.open(tmp_path) as ws:
        assert ws.get_state("k") == "2"


def test_workspace_path_defaults_to_env_then_dot_advisor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_HOME", str(tmp_path / "home"))
    assert resolve_path(None) == tmp_path / "home"
    monkeypatch.delenv("ADVISOR_HOME")
    monkeypatch.chdir(tmp_path)
    assert resolve_path(None) == tmp_path / ".advisor"
    with Workspace.open() as ws:
        assert ws.db_path == tmp_path / ".advisor" / DB_FILENAME
    assert (tmp_path / ".advisor" / DB_FILENAME).is_file()


def test_a_file_where_the_workspace_should_be_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "ws").write_text("not a directory")
    with pytest.raises(InputError, match="is a file, not a directory"):
        Workspace.open(tmp_path / "ws")


def test_a_corrupt_database_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / DB_FILENAME).write_bytes(b"this is not a duckdb file" * 100)
    with pytest.raises(InputError, match="cannot open workspace database"):
        Workspace.open(tmp_path)


def test_an_exception_inside_the_import_leaves_the_store_as_before(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.import_records(_three(), source="x", format="text", **COUNTS)
        bad = make_records("g", [("r9", "2026-01-02T00:00:00Z", 1.0, None)])
        bad["status"] = pd.array([None], dtype="string")  # violates NOT NULL mid-transaction
        with pytest.raises(Exception):
            ws.import_records(pd.concat([_three("g"), bad]), source="y", format="text", **COUNTS)
        assert [f.name for f in ws.functions()] == ["f"]
        assert len(ws.import_log()) == 1
        assert len(ws.invocations("f")) == 3


def test_the_first_copy_of_a_repeated_record_is_the_one_stored(tmp_path: Path) -> None:
    first = _three().iloc[[1]]
    second = first.assign(duration_ms=999.0)
    with Workspace.open(tmp_path) as ws:
        ws.import_records(pd.concat([first, second, _three()]), source="x", format="text", **COUNTS)
        stored = ws.invocations("f").set_index("request_id")
    assert stored.loc["r2", "duration_ms"] == 50.0
    assert len(stored) == 3
