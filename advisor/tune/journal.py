"""The journal of a tuning: the original configuration, and everything the tuner created.

Before the first change the target's :meth:`~advisor.targets.Target.snapshot` is written to
``<workspace>/tune/journal/<function>.json``, a file of its own (atomically: a temporary file,
fsynced, renamed over, the directory fsynced), outside the DuckDB store, which allows one
writer. While the tuner runs, the target reports what it creates (a temporary alias, published
versions) and the journal is rewritten the same way *before* each thing is created where the
name is known in advance, after it otherwise. :func:`tuning` wraps the whole loop: the lock,
the journal, and the restore that runs on success, on error, on Ctrl-C and on SIGTERM.
After SIGKILL the journal stays; :func:`restore_function` (``advisor restore FUNCTION``)
restores from it in another process and deletes it.

A snapshot is self-describing: its ``restorer`` key names the function
(``package.module:function``) that restores it from another process,
``restorer(snapshot, created) -> list[str]`` (the lines saying what was done).
A target whose snapshot is None holds nothing to restore (a local handler's workers end with
the tuner), but its tuning is journaled and locked all the same.

``advisor apply`` (:mod:`advisor.apply`) keeps its journal in the same place, with ``kind``
``apply``: written before its first change, restored on error, Ctrl-C and SIGTERM, and kept
after a successful apply (its ``state`` then ``applied``) as the record of what to undo, so
that ``advisor restore FUNCTION`` puts the original back later, or ``advisor restore FUNCTION
--keep`` forgets it and keeps what was applied. One journal per function, whatever its kind: a
tuning and an apply of the same function refuse to start while the other's journal is there.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

from advisor.errors import AdvisorError, InputError, TargetError, UsageError
from advisor.targets._base import Target
from advisor.tune.lock import TuneLock

JOURNAL_DIR: Final = Path("tune") / "journal"
FORMAT_VERSION: Final = 1
#: The journal kinds: a tuning's (restored when the tuning ends) and an apply's (kept until restored).
TUNE, APPLY = "tune", "apply"
#: An apply's journal while it applies, and once everything was applied.
APPLYING, APPLIED = "applying", "applied"
#: The snapshot key naming how to restore it from another process.
RESTORER: Final = "restorer"
_UNSAFE = re.compile(r"[^\w.-]")
_MODULE_FUNCTION = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")

#: ``restorer(snapshot, created) -> lines saying what was restored and deleted``
Restorer = Callable[[dict[str, Any], dict[str, Any]], list[str]]


@runtime_checkable
class Reporting(Protocol):
    """A target that reports what it creates (the AWS target), for the journal."""

    def watch(self, on_created: Callable[[dict[str, Any]], None]) -> None:
        """Call ``on_created(created)`` with everything created so far, on every change."""


@runtime_checkable
class Attaching(Protocol):
    """A target whose restore needs files kept beside the journal (the AWS target's original package)."""

    def attachments(self) -> dict[str, bytes]:
        """The files, by name (:func:`attachment_path`); the snapshot then names their paths (``attachments``)."""


def journal_path(workspace: Path, function: str) -> Path:
    """The journal file of ``function`` in ``workspace``."""
    return workspace / JOURNAL_DIR / f"{_UNSAFE.sub('_', function)}.json"


def attachment_path(workspace: Path, function: str, name: str) -> Path:
    """Where the journal of ``function`` keeps its attachment ``name`` (``FUNCTION.code.zip``): beside it."""
    path = journal_path(workspace, function)
    return path.with_name(f"{path.stem}.{name}")


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` as JSON so that a crash leaves the old or the new file, synced."""
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``, owner-only, so that a crash leaves the old or the new file, synced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    # Owner-only: the original environment variables (and code) may hold secrets.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass
class Journal:
    """One function's journal file and its contents."""

    path: Path
    data: dict[str, Any]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def function(self) -> str:
        return str(self.data["function"])

    @property
    def kind(self) -> str:
        """``tune`` or ``apply`` (journals written before apply existed are a tuning's)."""
        return str(self.data.get("kind") or TUNE)

    @property
    def original(self) -> dict[str, Any] | None:
        """The target's snapshot of the original configuration (None: nothing to restore)."""
        return self.data.get("original")

    @property
    def created(self) -> dict[str, Any]:
        """What the tuner created so far (as the target reported it)."""
        return dict(self.data.get("created") or {})

    @property
    def attachments(self) -> list[Path]:
        """The files kept beside the journal (an apply's original code), removed with it."""
        return [Path(p) for p in self.data.get("attachments") or []]

    @classmethod
    def begin(cls, workspace: Path, function: str, original: dict[str, Any] | None, *,
              study: str | None = None, target: str | None = None, kind: str = TUNE,
              attachments: dict[Path, bytes] | None = None) -> Journal:
        """Write a new journal for ``function`` holding ``original``.

        Args:
            workspace: The workspace directory.
            function: The function about to be changed.
            original: The snapshot of its configuration (None: nothing to restore).
            study: The tuning's study (a tuning's journal).
            target: The target's name, for the record.
            kind: :data:`TUNE` or :data:`APPLY`.
            attachments: Files the restore needs (at :func:`attachment_path`), written and synced
                before the journal; removed with it.

        Raises:
            TargetError: a journal is still there: an earlier tuning's (its tuner was killed, so
                the function may still be changed) or an apply's (the record of what to undo);
                either must be restored (or an apply's kept) first.
        """
        path = journal_path(workspace, function)
        if path.exists():
            raise _journal_left(workspace, function, path)
        for attachment, data in (attachments or {}).items():
            write_bytes_atomically(attachment, data)
        journal = cls(path, {
            "format": FORMAT_VERSION, "kind": kind, "function": function, "target": target, "study": study,
            "pid": os.getpid(), "host": socket.gethostname(), "started": _now(), "updated": _now(),
            "original": original, "created": {}, **({"state": APPLYING} if kind == APPLY else {}),
            **({"attachments": [str(a) for a in attachments]} if attachments else {}),
        })
        write_atomically(path, journal.data)
        return journal

    @classmethod
    def load(cls, workspace: Path, function: str) -> Journal | None:
        """The journal of ``function``, or None when there is none.

        Raises:
            InputError: the file is not a journal advisor wrote (named, with what is wrong).
        """
        path = journal_path(workspace, function)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the tuning journal {path}: {exc}",
                             hint="Restore the function by hand from the values in the file, then delete it.") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION or "original" not in data:
            raise InputError(f"{path} is not a tuning journal of this advisor (format {FORMAT_VERSION})",
                             hint="Restore the function by hand from the values in the file, then delete it.")
        return cls(path, data)

    def record_created(self, created: dict[str, Any]) -> None:
        """Replace what the tuner created with ``created`` and write the journal (synced)."""
        with self._lock:
            self.data["created"] = created
            self.data["updated"] = _now()
            write_atomically(self.path, self.data)

    def mark(self, state: str) -> None:
        """Record the journal's ``state`` (an apply's: :data:`APPLIED` once everything is applied), synced."""
        with self._lock:
            self.data["state"] = state
            self.data["updated"] = _now()
            write_atomically(self.path, self.data)

    def restore(self) -> list[str]:
        """Put the original configuration back from another process and delete what was created.

        The journal file is removed once everything is back.

        Raises:
            InputError: the snapshot's restorer is not a ``module:function`` advisor can import.
            AdvisorError: the restorer failed; the journal is kept for another try.
        """
        original = self.original
        lines = [] if original is None else _restorer(original, self.path)(original, self.created)
        self.remove()
        return lines

    def remove(self) -> None:
        """Delete the journal file and its attachments (everything is back)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for attachment in self.attachments:
            with contextlib.suppress(FileNotFoundError):
                attachment.unlink()


def restore_function(workspace: Path, function: str, *, keep: bool = False) -> list[str] | None:
    """``advisor restore FUNCTION``: restore from the journal; None when there is no journal.

    Returns the lines saying what was done (first, whose stale lock was taken over).

    Refused while a tuner (or an apply) of ``function`` still runs (it restores on its own exit).

    Args:
        workspace: The workspace directory.
        function: The function whose journal is read.
        keep: Keep what an ``advisor apply`` applied: delete its journal and change nothing
            (refused for a tuning's journal, whose function may be half-tuned).

    Raises:
        TuningLockedError: a live tuner holds the function's lock.
        UsageError: ``keep`` for a tuning's journal, or for an apply that did not finish.
        InputError, AdvisorError: see :meth:`Journal.restore`.
    """
    if not journal_path(workspace, function).exists():
        return None  # nothing to do: the workspace is left as it is
    with TuneLock(workspace, function, study="advisor restore") as lock:
        journal = Journal.load(workspace, function)
        if journal is None:
            return None
        notice = [message] if (message := lock.takeover_message()) else []
        if keep:
            return notice + _forget(journal)
        return notice + journal.restore()


def _forget(journal: Journal) -> list[str]:
    if journal.kind != APPLY or journal.data.get("state") != APPLIED:
        what = "a tuning" if journal.kind != APPLY else "an apply that did not finish"
        raise UsageError(f"the journal {journal.path} is {what}'s: {journal.function} may be half-changed, "
                         "so it cannot be kept", hint=f"Run `advisor restore {journal.function}` without --keep.")
    journal.remove()
    return [f"kept the configuration advisor apply set on {journal.data.get('updated')}; "
            f"forgot the original it recorded"]


def check_no_journal(workspace: Path, function: str) -> None:
    """Refuse to start changing ``function`` while a journal of it is there (as :meth:`Journal.begin` does).

    Raises:
        TargetError: the journal of an earlier tuning or apply, with what to run.
    """
    path = journal_path(workspace, function)
    if path.exists():
        raise _journal_left(workspace, function, path)


def _journal_left(workspace: Path, function: str, path: Path) -> TargetError:
    """The refusal to start while ``path`` (a journal of ``function``) is there."""
    try:
        left = Journal.load(workspace, function)
    except InputError:
        left = None
    if left is not None and left.kind == APPLY:
        return TargetError(
            f"advisor apply changed {function} on {left.data.get('started')} and its journal {path} is the record "
            "of what to undo",
            hint=f"Run `advisor restore {function}` to put the original back first, or `advisor restore "
                 f"{function} --keep` to keep what was applied; then run again.")
    return TargetError(
        f"an earlier tuning of {function} left its journal {path}: the function may still be changed",
        hint=f"Run `advisor restore {function}` first (it puts the original configuration back).")


@dataclass
class Tuning:
    """What :func:`tuning` yields: the journal and the lock, held for the loop."""

    journal: Journal
    lock: TuneLock
    restored: list[str] = field(default_factory=list)

    @property
    def notices(self) -> list[str]:
        """Lines to show the user at the start (a stale lock taken over)."""
        message = self.lock.takeover_message()
        return [message] if message else []


@contextlib.contextmanager
def tuning(target: Target, *, workspace: Path, function: str, study: str | None = None,
           target_name: str | None = None) -> Iterator[Tuning]:
    """Lock ``function``, journal ``target``'s original configuration, and restore it at the end.

    Use it around everything that changes the function::

        with tuning(target, workspace=ws_dir, function="fn", study="s") as run:
            ...  # configure / invoke
        print(run.restored)  # what restore() did

    The restore runs on normal exit, on any exception, on Ctrl-C (KeyboardInterrupt) and on
    SIGTERM (turned into KeyboardInterrupt while the block runs in the main thread); a second
    Ctrl-C during the restore waits for it. When the restore fails the journal is kept and the
    error says to run ``advisor restore``.

    Raises:
        TuningLockedError: another tuner holds the function.
        TargetError: an earlier tuning's journal is still there, or the restore failed.
    """
    with TuneLock(workspace, function, study=study) as lock:
        files = target.attachments() if isinstance(target, Attaching) else {}
        original = target.snapshot()
        paths = {name: attachment_path(workspace, function, name) for name in files}
        if original is not None and paths:  # the restorer of another process finds them there
            original = {**original, "attachments": {name: str(path) for name, path in paths.items()}}
        journal = Journal.begin(workspace, function, original, study=study, target=target_name,
                                attachments={paths[name]: data for name, data in files.items()})
        if isinstance(target, Reporting):
            target.watch(journal.record_created)
        run = Tuning(journal, lock)
        try:
            with sigterm_interrupts():
                yield run
        finally:
            with deferred_interrupts():
                run.restored = _restore_in_process(target, journal)


def _restore_in_process(target: Target, journal: Journal) -> list[str]:
    def run() -> list[str]:
        restore = getattr(target, "restore_report", None)
        if callable(restore):
            return list(restore())
        target.restore()
        return ["restored the original configuration"] if journal.original is not None else []

    return restore_or_keep(journal, run)


def restore_or_keep(journal: Journal, restore: Callable[[], list[str]]) -> list[str]:
    """Run ``restore`` in this process; remove the journal once it succeeded, keep it otherwise.

    Raises:
        TargetError: the restore failed; the message says to run ``advisor restore``.
    """
    try:
        lines = restore()
    except AdvisorError as exc:
        raise TargetError(f"could not restore {journal.function}: {exc}",
                          hint=f"The journal {journal.path} is kept: run `advisor restore {journal.function}`.",
                          ) from exc
    journal.remove()
    return lines


def _restorer(original: dict[str, Any], path: Path) -> Restorer:
    name = original.get(RESTORER)
    if not isinstance(name, str) or not _MODULE_FUNCTION.fullmatch(name):
        raise InputError(f"the journal {path} names no restorer (module:function) for its target",
                         hint="Restore the function by hand from the values in the file, then delete it.")
    module, _, attr = name.partition(":")
    try:
        found = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        raise InputError(f"the journal {path} names restorer {name}, which this advisor does not have",
                         hint="Run the advisor version that tuned, or restore by hand.") from None
    return found


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt inside the block (main thread only), so ``finally`` runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block ends (a restore must not stop half-way)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
