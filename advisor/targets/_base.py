"""The target contract: where the tuner's invocations really happen.

A target runs one function at a configurable memory size and returns, for every
invocation, the invocation record that Lambda's REPORT line would give (the fields
of :mod:`advisor.record`). The tuner drives every target the same way::

    with MyTarget(...) as target:
        original = target.snapshot()           # journaled before anything changes
        target.configure(1769, architecture="arm64")   # new environments at this size
        record = target.invoke({"x": 1})       # one real invocation -> record dict
        target.force_cold()                    # the next invocation starts a fresh sandbox
        ...
        target.restore()                       # put back what configure() changed

Built-in targets: :class:`advisor.targets.local.LocalTarget` (a handler in worker
processes on this machine) and :class:`advisor.targets.aws.AwsTarget`. A user plugs in
their own by subclassing :class:`Target` and naming the class as ``package.module:Class``
or ``path/to/file.py:Class`` (see :mod:`advisor.targets.plugins`).

Every method added to the contract after its first release has a default, so a plugin
written against the first contract (``configure``, ``invoke``, ``restore``, ``close``,
``describe``) keeps working: :meth:`Target.force_cold` configures again with the last
settings, :meth:`Target.architectures` is x86_64 alone, :meth:`Target.snapshot` is None.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, Self

from advisor.errors import TargetError, UsageError
from advisor.platform.aws_lambda import DEFAULT_ARCH, check_architecture

#: The keys of the record dict returned by :meth:`Target.invoke` (see :mod:`advisor.record`).
RECORD_FIELDS: tuple[str, ...] = (
    "function", "request_id", "start_time", "end_time", "duration_ms", "billed_duration_ms",
    "memory_mb", "max_memory_used_mb", "init_ms", "restore_ms", "billed_restore_ms",
    "status", "error_type", "log_stream", "architecture",
)
#: The keyword of :meth:`Target.configure` that picks the instruction set.
ARCHITECTURE: Final = "architecture"
_LAST = "_advisor_last_configuration"


class ThrottledError(TargetError):
    """The target refused an invocation for concurrency or rate (Lambda's 429), after any retries.

    The local target raises it when every worker is busy at its concurrency limit; the AWS target
    when Lambda still throttles after botocore's retries.
    """


class Target(abc.ABC):
    """A function the tuner can configure and invoke for real.

    Implementations must be usable as context managers and must make
    :meth:`invoke` safe to call from several threads at once when they
    support concurrency (replays send overlapping requests).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "configure" in cls.__dict__:
            cls.configure = _checked_configure(cls.__dict__["configure"])  # type: ignore[method-assign]

    @abc.abstractmethod
    def configure(self, memory_mb: int, **options: Any) -> None:
        """Set the memory size (and target-specific options) for the next invocations.

        Environments started under another configuration are not reused, as on
        Lambda after a configuration update: the next invocation is a cold start.
        Whatever a subclass writes, the architecture is checked against
        :meth:`architectures` before its ``configure`` runs.

        Args:
            memory_mb: Memory size in MB (Lambda: 128 to 10,240).
            **options: ``architecture`` (one of :meth:`architectures`) and target-specific
                settings (for example ``keep_alive_s``, ``timeout_s``).

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

    def force_cold(self) -> None:
        """Make the next invocation start a fresh environment at the same configuration.

        The default calls :meth:`configure` again with the last settings it was given,
        which is enough for a target whose ``configure`` always starts new environments;
        targets that reuse environments across an unchanged configuration override it.

        Raises:
            TargetError: :meth:`configure` was never called, so there is nothing to repeat.
        """
        last: tuple[int, dict[str, Any]] | None = getattr(self, _LAST, None)
        if last is None:
            raise TargetError(f"{type(self).__name__}.force_cold() needs a configure() call first",
                              hint="Configure the memory size, then force a cold start.")
        memory_mb, options = last
        self.configure(memory_mb, **options)

    def architectures(self) -> tuple[str, ...]:
        """The instruction sets this target can run (Lambda's names), the current one first."""
        return (DEFAULT_ARCH,)

    def own_architecture(self) -> str:
        """The architecture the target runs now, without checking whether it could run others
        (which may cost a target a download: the AWS target reads the function's package)."""
        return self.architectures()[0]

    def architecture_refusal(self, architecture: str) -> str | None:
        """Why this target cannot run ``architecture``, in words (None: no reason to give)."""
        return None

    def snapshot(self) -> dict[str, Any] | None:
        """The original configuration, JSON-ready, for the journal (None: nothing to restore).

        It is what :meth:`restore` puts back; it is read before the first change and does
        not change afterwards.
        """
        return None

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


def check_target_architecture(target: Target, architecture: str) -> str:
    """``architecture`` when ``target`` can run it; a :class:`UsageError` naming both otherwise."""
    check_architecture(architecture, option="architecture")
    if architecture == target.own_architecture():
        return architecture
    allowed = target.architectures()
    if architecture not in allowed:
        reason = target.architecture_refusal(architecture)
        raise UsageError(f"{type(target).__name__} cannot run architecture {architecture!r}: "
                         f"it runs {', '.join(allowed)}{f' ({reason})' if reason else ''}",
                         hint="Leave that architecture out of --arch.")
    return architecture


def _checked_configure(configure: Callable[..., None]) -> Callable[..., None]:
    """Wrap a subclass's ``configure``: check the architecture, remember the settings.

    A plugin written before ``architecture`` existed receives it in ``**options`` (or not at
    all, when it names its options and the architecture is its only one), so old plugins run.
    """
    if getattr(configure, "__advisor_checked__", False):
        return configure

    @functools.wraps(configure)
    def wrapper(self: Target, memory_mb: int, **options: Any) -> None:
        architecture = options.get(ARCHITECTURE)
        if architecture is not None:
            check_target_architecture(self, architecture)
        if ARCHITECTURE in options and not _accepts(configure, ARCHITECTURE):
            del options[ARCHITECTURE]  # an old plugin: its one architecture is the default
        configure(self, memory_mb, **options)
        setattr(self, _LAST, (memory_mb, dict(options)))

    wrapper.__advisor_checked__ = True  # type: ignore[attr-defined]
    return wrapper


@functools.cache
def _accepts(function: Callable[..., Any], keyword: str) -> bool:
    import inspect

    parameters = inspect.signature(function).parameters.values()
    return any(p.name == keyword or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def __getattr__(name: str) -> Any:
    if name == "load_target":  # moved to advisor.targets.plugins; kept importable from here
        from advisor.targets.plugins import load_target

        return load_target
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
