"""One ``advisor apply``: read the function, plan, then change it under the lock and the journal.

:func:`prepare` reads the live state and plans (nothing changes: ``--dry-run`` and the
confirmation show its plan). :func:`run` takes the function's lock (the tuner's: a tuning and
an apply of one function exclude each other), reads the state again and checks that the plan
is still the one shown, writes the journal of the original (kind ``apply``), and makes the
changes. On any error, Ctrl-C or SIGTERM it puts back what it changed (a second Ctrl-C waits
for that) and removes the journal; on success it keeps the journal, marked ``applied``, as the
record of what to undo: ``advisor restore FUNCTION`` puts the original back later, from any
process, also after a SIGKILL mid-apply.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.apply.code import CodeSource, switch_of
from advisor.apply.desired import Desired
from advisor.apply.engine import Applier
from advisor.apply.plan import Plan, plan_of
from advisor.apply.restore import restore
from advisor.apply.state import Clients, errors, read_state
from advisor.errors import TargetError
from advisor.targets.lambda_code import CODE_ATTACHMENT
from advisor.tune.journal import (
    APPLIED,
    APPLY,
    Journal,
    attachment_path,
    check_no_journal,
    deferred_interrupts,
    restore_or_keep,
    sigterm_interrupts,
)
from advisor.tune.lock import TuneLock

#: How the lock names an apply to a second process.
LOCK_LABEL = "advisor apply"
#: The original zip package, kept beside the journal while an architecture change may be undone.


@dataclass(frozen=True)
class Connection:
    """Where the function is: region, profile, and an endpoint for both services (tests, emulators).

    ``session``: a boto3 session to make the clients from (then region and profile are its own).
    """

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    session: Any = field(default=None, compare=False, repr=False)

    def clients(self) -> Clients:
        """The Lambda and Application Auto Scaling clients."""
        return Clients.connect(region=self.region, profile=self.profile, endpoint_url=self.endpoint_url,
                               session=self.session)

    def to_dict(self) -> dict[str, Any]:
        """What the journal records (the restore reconnects with it)."""
        return {"region": self.region, "profile": self.profile, "endpoint_url": self.endpoint_url}


@dataclass
class Prepared:
    """The live state read and the plan made from it."""

    function: str
    desired: Desired
    alias: str | None
    connection: Connection
    clients: Clients
    run_id: str
    state: dict[str, Any]
    plan: Plan
    code: CodeSource = field(default_factory=CodeSource)


@dataclass
class Outcome:
    """What :func:`run` did."""

    actions: list[str]
    journal: Path
    notices: list[str] = field(default_factory=list)


def prepare(function: str, desired: Desired, *, alias: str | None, connection: Connection,
            run_id: str | None = None, code: CodeSource | None = None) -> Prepared:
    """Read ``function`` and plan the changes that take it to ``desired``; nothing changes.

    Args:
        function: The function.
        desired: What to set.
        alias: The callers' alias (None: ``$LATEST`` only).
        connection: Where the function is.
        run_id: The run's id (a new one by default).
        code: The code for another architecture (``--code``, ``--image-uri``; default: the function's own).

    Raises:
        NotFoundError: no such function; RemoteError: AWS refused.
        UsageError, TargetError, InputError: see :func:`advisor.apply.plan.plan_of` and
            :func:`advisor.apply.code.switch_of`.
    """
    clients = connection.clients()
    run_id = run_id or secrets.token_hex(4)
    code = code or CodeSource()
    state = read_state(clients, function, alias=alias, run_id=run_id, connection=connection.to_dict())
    with errors(function):
        switch = switch_of(clients.lam, state, desired.architecture, code)
    return Prepared(function, desired, alias, connection, clients, run_id, state, plan_of(state, desired, switch),
                    code)


def run(prepared: Prepared, workspace: Path, *, on_restored: Callable[[list[str]], None] | None = None) -> Outcome:
    """Make the prepared changes, journaled, and restore on any failure or interruption.

    Args:
        prepared: From :func:`prepare` (its plan is what the user confirmed).
        workspace: The workspace directory (the journal and the lock live there).
        on_restored: Called with the lines of the restore that follows a failure, before the
            failure is raised again.

    Raises:
        TuningLockedError: another tuning or apply holds the function.
        TargetError: a journal is still there, the function changed since the plan was shown,
            or a restore after a failure failed too (the journal is kept: run ``advisor restore``).
        AdvisorError: the failure, after everything was put back.
        KeyboardInterrupt: Ctrl-C or SIGTERM, after everything was put back.
    """
    function = prepared.function
    check_no_journal(workspace, function)
    with TuneLock(workspace, function, study=LOCK_LABEL) as lock:
        fresh = prepare(function, prepared.desired, alias=prepared.alias, connection=prepared.connection,
                        run_id=prepared.run_id, code=prepared.code)
        if fresh.plan.changes != prepared.plan.changes:
            raise TargetError(f"{function} changed since the plan was shown; nothing was applied",
                              hint="Run advisor apply again to see the new plan.")
        journal = _begin(workspace, fresh)
        applier = Applier(fresh.clients, fresh.state, fresh.plan, journal.record_created)
        try:
            with sigterm_interrupts():
                actions = applier.run()
        except BaseException:
            with deferred_interrupts():
                lines = _undo(fresh.clients, journal)
            if on_restored is not None:
                on_restored(lines)
            raise
        journal.mark(APPLIED)
        notice = lock.takeover_message()
        return Outcome(actions, journal.path, [notice] if notice else [])


def _begin(workspace: Path, fresh: Prepared) -> Journal:
    """The journal of the original, with the original zip package beside it when the architecture changes."""
    switch, attachments = fresh.plan.switch, {}
    if switch is not None:
        path = attachment_path(workspace, fresh.function, CODE_ATTACHMENT)
        if switch.original_zip is not None:
            attachments[path] = switch.original_zip
        fresh.state["code"] = switch.journal(path)
    return Journal.begin(workspace, fresh.function, fresh.state, target="aws", kind=APPLY, attachments=attachments)


def _undo(clients: Clients, journal: Journal) -> list[str]:
    """Restore in this process; the journal is removed once everything is back, kept otherwise."""
    assert journal.original is not None
    original = journal.original
    return restore_or_keep(journal, lambda: restore(clients, original, journal.created))
