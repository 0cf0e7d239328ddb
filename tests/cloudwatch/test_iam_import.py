"""The import's IAM policy holds exactly the operations the import makes (recorded from botocore)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from advisor.cloudwatch import import_cloudwatch
from advisor.tune.iam import OPERATIONS
from advisor.workspace import Workspace

from .conftest import FUNCTION, REGION, create_function, put_events
from .test_fetch import report_events


def test_every_operation_of_both_import_paths_is_in_the_import_policy_and_nothing_else(
    aws: str, shared_data: Path, workspace: Path
) -> None:
    create_function(aws)
    now = datetime.now(UTC)
    put_events(aws, report_events(shared_data, int((now - timedelta(hours=2)).timestamp() * 1000)))
    session = boto3.Session(region_name=REGION)
    called: set[tuple[str, str]] = set()
    session.events.register("before-call", lambda model, **_: called.add(
        (model.service_model.endpoint_prefix, model.name)))
    with Workspace.open(workspace) as ws:
        for insights in (False, True):
            import_cloudwatch(ws, FUNCTION, since=now - timedelta(days=1), until=now, endpoint_url=aws,
                              insights=insights, session=session)
    allowed = {(service, op) for service, ops in OPERATIONS["import"].items() for op in ops}
    assert called == allowed
