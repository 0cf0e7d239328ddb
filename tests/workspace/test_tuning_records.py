"""Invocations advisor tune made are stored apart, and left out of the function's traffic."""

from __future__ import annotations

from pathlib import Path

from advisor.analyze import analyze
from advisor.pricing import PriceCatalog
from advisor.workspace import TUNING_TABLE, Workspace

from ._records import make_records

COUNTS = {"lines": 2, "parsed": 2, "ignored": 0, "rejected": 0}


def _traffic_and_tuning(ws: Workspace) -> None:
    traffic = make_records("f", [("t1", "2026-01-01T00:00:01Z", 100.0, 300.0),
                                 ("t2", "2026-01-01T00:05:00Z", 90.0, None)])
    tuning = make_records("f", [("m1", "2026-01-01T00:02:00Z", 40.0, 200.0),
                                ("m2", "2026-01-01T00:02:01Z", 41.0, None)], memory_mb=2048)
    ws.import_records(traffic, source="a.log", format="text", **COUNTS)
    ws.import_records(tuning, source="advisor tune", format="tuning", tuning=True, **COUNTS)


def test_tuning_records_are_kept_apart_from_the_traffic(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        _traffic_and_tuning(ws)
        assert list(ws.invocations("f")["request_id"]) == ["t1", "t2"]
        assert list(ws.invocations("f", tuning=True)["request_id"]) == ["m1", "m2"]
        assert sorted(ws.invocations("f", tuning=None)["request_id"]) == ["m1", "m2", "t1", "t2"]


def test_a_store_from_before_the_tuning_table_reads_its_records_as_traffic(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        ws.import_records(make_records("f", [("t1", "2026-01-01T00:00:01Z", 100.0, None)]),
                          source="a.log", format="text", **COUNTS)
        ws.connection.execute(f"DROP TABLE {TUNING_TABLE}")
    with Workspace.open(tmp_path) as ws:  # reopening creates the table, empty
        assert list(ws.invocations("f")["request_id"]) == ["t1"]
        assert ws.invocations("f", tuning=True).empty


def test_a_tuning_record_is_a_duplicate_only_of_tuning_records(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        _traffic_and_tuning(ws)
        again = ws.import_records(make_records("f", [("m1", "2026-01-01T00:02:00Z", 40.0, None),
                                                     ("t1", "2026-01-01T00:00:01Z", 9.0, None)]),
                                  source="advisor tune", format="tuning", tuning=True, **COUNTS)
        assert (again.added, again.duplicates) == (1, 1)
        assert list(ws.invocations("f")["request_id"]) == ["t1", "t2"]


def test_an_analysis_counts_only_the_traffic(tmp_path: Path) -> None:
    with Workspace.open(tmp_path) as ws:
        _traffic_and_tuning(ws)
        result = analyze(ws, "f", catalog=PriceCatalog.bundled())
    assert result.to_dict()["invocations"] == 2
