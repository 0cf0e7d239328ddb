"""The target contract: where the tuner's invocations really happen.

A target runs one function at a configurable memory size and returns, for every
invocation, the invocation record that Lambda's REPORT line would give (the fields
of :mod:`advisor.record`). The tuner drives every target the same way::

    with MyTarget(...) as target:
        target.configure(1769)                 # new environments at this size
        record = target.invoke({"x": 1})       # one real invocation -> record dict
        ...
        target.restore()                       # put back what configure() changed

Built-in targets: :class:`advisor.targets.local.LocalTarget` (a handler in worker
processes on this machine) and the AWS target. A user plugs in their own by
subclassing :class:`Target` and naming the class as ``package.module:ClassName``
(see :func:`load_target`).
"""

from __future__ import annotations

import abc
import importlib
from types import TracebackType
from typing import Any, Self

from advisor.errors import NotFoundError, UsageError

#: The keys of the record dict returned by :meth:`Target.invoke` (see :mod:`advisor.record`).
RECORD_FIELDS: tuple[str, ...] = (
    "function", "request_id", "start_time", "end_time", "duration_ms", "billed_duration_ms",
    "memory_mb", "max_memory_used_mb", "init_ms", "restore_ms", "billed_restore_ms",
    "status", "error_type", "log_stream", "architecture",
)


class Target(abc.ABC):
    """A function the tuner can configure and invoke for real.

    Implementations must be usable as context managers and must make
    :meth:`invoke` safe to call from several threads at once when they
    support concurrency (replays send overlapping requests).
    """

    @abc.abstractmethod
    def configure(self, memory_mb: int, **options: Any) -> None:
        """Set the memory size (and target-specific options) for the next invocations.

        Environments started under another configuration are not reused, as on
        Lambda after a configuration update: the next invocation is a cold start.

        Args:
            memory_mb: Memory size in MB (Lambda: 128 to 10,240).
            **options: Target-specific settings (for example ``keep_alive_s``, ``timeout_s``).

        Raises:
            UsageError: a value the target cannot run with.
            TargetError: the target refused the configuration.
        """

    @abc.abstractmethod
    def invoke(self, payload: Any) -> dict[str, Any]:
        """Invoke the function once with ``payload`` (a JSON-serialisable event).

        Returns:
            The invocation record: a dict with the keys of :data:`RECORD_FIELDS`;
            ``status`` is ``success``, ``timeout`` or ``error`` (handler failures are
            records, not exceptions).

        Raises:
            TargetError: the invocation could not be made at all (the handler cannot be
                loaded, the function does not exist, throttled).
        """

    def restore(self) -> None:  # noqa: B027 - a default, so plugins that change nothing need not override
        """Put back what :meth:`configure` changed (AWS: the original memory size)."""

    def close(self) -> None:  # noqa: B027 - a default, so plugins that hold nothing need not override
        """Release what the target holds (processes, connections). Idempotent."""

    def describe(self) -> dict[str, Any]:
        """Facts about how this target measures (for reports), e.g. ``{"cpu_limited": True}``."""
        return {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def load_target(spec: str) -> type[Target]:
    """Import a user's target class named ``package.module:ClassName`` (or ``package.module.ClassName``).

    Raises:
        UsageError: ``spec`` is not a dotted path, or names something that is not a Target.
        NotFoundError: the module or the class does not exist.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep:
        module_name, _, attr = spec.rpartition(".")
    if not module_name or not attr:
        raise UsageError(f"target {spec!r} is not a dotted path",
                         hint="Write it as package.module:ClassName.")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise NotFoundError(f"cannot import target module {module_name!r}: {exc}",
                            hint="Check the name and that the module is on PYTHONPATH.") from exc
    cls = getattr(module, attr, None)
    if cls is None:
        raise NotFoundError(f"module {module_name!r} has no {attr!r}",
                            hint="Check the class name after the colon.")
    if not (isinstance(cls, type) and issubclass(cls, Target)):
        raise UsageError(f"{spec!r} is not a subclass of advisor.targets.Target",
                         hint="Subclass advisor.targets.Target and implement configure() and invoke().")
    return cls
