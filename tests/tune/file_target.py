"""A target whose "function" is a JSON file on disk, and whose "versions" are files beside it.

It changes real state the way the AWS target does (the configuration, and things it creates
and reports to the journal), so the journal's guarantees can be checked in and across
processes, SIGKILL included, without a Lambda API.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.targets import RECORD_FIELDS, Target

RESTORER = "tests.tune.file_target:restore_snapshot"


def make_function(directory: Path, memory_mb: int = 1024) -> Path:
    """Create the "function": its configuration file, with a variable that must survive."""
    path = directory / "function.json"
    path.write_text(json.dumps({"memory_mb": memory_mb, "environment": {"MODEL": "resnet"}}))
    return path


def created_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob("version-*.json"))


class FileTarget(Target):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._original = json.loads(self.path.read_text())
        self._created: list[str] = []
        self._watchers: list[Callable[[dict[str, Any]], None]] = []

    def snapshot(self) -> dict[str, Any]:
        return {"restorer": RESTORER, "path": str(self.path), "state": self._original}

    def watch(self, on_created: Callable[[dict[str, Any]], None]) -> None:
        self._watchers.append(on_created)

    def configure(self, memory_mb: int, **options: Any) -> None:
        version = self.path.parent / f"version-{uuid.uuid4().hex[:8]}.json"
        self._created.append(version.name)
        for watcher in self._watchers:
            watcher({"versions": list(self._created)})  # journaled before it exists
        version.write_text(json.dumps({"memory_mb": memory_mb}))
        state = json.loads(self.path.read_text())
        state["memory_mb"] = memory_mb
        state["environment"]["NONCE"] = version.name
        self.path.write_text(json.dumps(state))

    def invoke(self, payload: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        values = dict.fromkeys(RECORD_FIELDS)
        values.update(function="file", request_id=uuid.uuid4().hex, start_time=now, end_time=now,
                      duration_ms=1.0, billed_duration_ms=1, status="success",
                      memory_mb=json.loads(self.path.read_text())["memory_mb"])
        return values

    def restore(self) -> None:
        restore_snapshot(self.snapshot(), {"versions": self._created})
        self._created = []


def restore_snapshot(snapshot: dict[str, Any], created: dict[str, Any]) -> list[str]:
    path = Path(snapshot["path"])
    lines = []
    for name in created.get("versions", []):
        file = path.parent / name
        if file.exists():
            file.unlink()
            lines.append(f"deleted {name}")
    path.write_text(json.dumps(snapshot["state"]))
    lines.append(f"put back memory {snapshot['state']['memory_mb']} MB")
    return lines
