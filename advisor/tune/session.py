"""One ``advisor tune`` from start to end: the target, the settings, the plan, the guarded run.

The command line parses its options into a :class:`TuneRequest` and calls :func:`prepare`
(builds the target without changing anything, loads the payloads and the traffic, reads today's
configuration) and then :func:`plan_of` (``--dry-run``) or :func:`run` (the tuning inside the
journal and the lock of :func:`advisor.tune.journal.tuning`, which restore the function
whatever the end). A library user does the same without the command line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from advisor.errors import UsageError
from advisor.platform import aws_lambda
from advisor.sla import Sla
from advisor.tune.payloads import Payload, as_pairs
from advisor.tune.settings import KEEP_WARM_STRATEGIES, Budgets, Current, TuneSettings
from advisor.tune.space import MemorySpace, SearchSpace
from advisor.tune.study import database_url, shown_storage, storage_url
from advisor.tune.traffic import TrafficSource

if TYPE_CHECKING:

    from advisor.context import Context
    from advisor.simulate.inputs import Trace
    from advisor.targets import Target
    from advisor.tune.plan import TunePlan
    from advisor.tune.result import TuneEvent, TuneResult

#: ``--target`` words besides a plugin class.
AWS: Final = "aws"
LOCAL: Final = "local"
TARGET_FORMS: Final = "aws, local, path/to/file.py:Class or package.module:Class"


@dataclass(frozen=True)
class TargetSpec:
    """Where the invocations happen, as ``--target`` and its companion options say.

    Attributes:
        kind: ``aws``, ``local`` or ``plugin``.
        plugin: The plugin class (``path/to/file.py:Class`` or ``package.module:Class``).
        handler: The local target's handler (``path/to/file.py:function``).
        options: The plugin's constructor arguments (``--target-option KEY=VALUE``).
        region, profile, endpoint_url: How the AWS target reaches Lambda.
        invocation_timeout_s: The local target's invocation timeout (Lambda's default 3 s).
    """

    kind: str
    plugin: str | None = None
    handler: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    invocation_timeout_s: float = aws_lambda.DEFAULT_TIMEOUT_S

    @classmethod
    def parse(cls, target: str, *, handler: str | None = None, options: Sequence[str] = (),
              region: str | None = None, profile: str | None = None, endpoint_url: str | None = None,
              invocation_timeout_s: float = aws_lambda.DEFAULT_TIMEOUT_S) -> TargetSpec:
        """Check that the options fit the target they go with.

        Raises:
            UsageError: ``local`` without ``--handler``, a handler or target options for a target
                that takes none, AWS options for a target that is not AWS, or a malformed ``--target``.
        """
        from advisor.targets.plugins import parse_target_options

        word = target.strip()
        kind = word if word in (AWS, LOCAL) else "plugin"
        if kind == "plugin" and ":" not in word and not word.endswith(".py"):
            raise UsageError(f"--target {target!r} is not {TARGET_FORMS}.", hint="For example --target local "
                             "--handler app.py:handler.")
        if kind == LOCAL and not handler:
            raise UsageError("--target local needs --handler path/to/file.py:function.",
                             hint="Name the handler the way `advisor local invoke` takes it.")
        if kind != LOCAL and handler:
            raise UsageError(f"--handler goes with --target local, not --target {word}.")
        if kind != "plugin" and options:
            raise UsageError(f"--target-option goes with a plugin --target, not {word}.")
        if kind != AWS and (region or profile or endpoint_url):
            raise UsageError(f"--region, --profile and --endpoint-url go with --target aws, not {word}.")
        parsed = parse_target_options(options)
        return cls(kind, word if kind == "plugin" else None, handler, parsed, region, profile, endpoint_url,
                   invocation_timeout_s)

    @property
    def name(self) -> str:
        """The target as the journal names it."""
        return self.plugin or self.kind

    def build(self, function: str) -> Target:
        """The target of ``function``; nothing is read or changed yet.

        Raises:
            UsageError, NotFoundError, InputError: the handler or plugin cannot be loaded.
        """
        if self.kind == AWS:
            from advisor.targets.aws import AwsTarget

            return AwsTarget(function, region=self.region, profile=self.profile, endpoint_url=self.endpoint_url)
        if self.kind == LOCAL:
            from advisor.targets.local import LocalTarget

            assert self.handler is not None  # parse() requires it
            return LocalTarget(self.handler, function_name=function, timeout_s=self.invocation_timeout_s)
        from advisor.targets.plugins import make_target

        assert self.plugin is not None
        return make_target(self.plugin, self.options)


@dataclass(frozen=True)
class TuneRequest:
    """What the command line asked for, parsed and checked.

    Attributes:
        function: The function to tune.
        sla: The latency objectives.
        target: Where the invocations happen.
        memory: The memory sizes to consider.
        architectures: The architectures to consider; None: the target's own.
        keep_warm: Keep-warm strategies to consider.
        payloads: The events to invoke with.
        traffic: Where the traffic comes from.
        budgets: When to stop at the latest.
        study, storage, resume: The Optuna study (name, RDB URL, continue it).
        seed: Seed of every random choice.
    """

    function: str
    sla: Sla
    target: TargetSpec
    memory: MemorySpace = field(default_factory=MemorySpace.full)
    architectures: tuple[str, ...] | None = None
    keep_warm: tuple[str, ...] = KEEP_WARM_STRATEGIES
    payloads: tuple[Payload, ...] = ()
    traffic: TrafficSource = field(default_factory=TrafficSource)
    budgets: Budgets = field(default_factory=Budgets)
    study: str | None = None
    storage: str | None = None
    resume: bool = False
    seed: int = 0


def parse_keep_warm(text: str, *, option: str = "--keep-warm") -> tuple[str, ...]:
    """Read ``none,provisioned,schedule,pings`` (some of them).

    Raises:
        UsageError: an unknown strategy, or none.
    """
    from advisor.tune.keepwarm import check_strategies

    return check_strategies(tuple(p.strip() for p in text.split(",") if p.strip()))


@dataclass
class Prepared:
    """A tuning ready to run: its target (untouched so far), settings and known facts.

    Attributes:
        request: What was asked.
        target: The target, built but not yet changed.
        settings: The engine's settings.
        known: ``(mean duration ms, memory MB)`` of the imported invocations, when any.
        traffic: Where the traffic comes from, in words (or why none is known).
    """

    request: TuneRequest
    target: Target | None
    settings: TuneSettings
    known: tuple[float, int] | None
    traffic: str

    def close(self) -> None:
        """Release the target (its processes, connections); idempotent."""
        if self.target is not None:
            self.target.close()


def prepare(request: TuneRequest, context: Context, *, build_target: bool = True) -> Prepared:
    """Build the target (reading, never changing), load the traffic and today's configuration.

    Args:
        request: What to tune.
        context: The command's workspace, its store open (imported traffic, today's size).
        build_target: False for a dry run: the target is neither built nor read, and the
            architectures are the ones asked for (else the default one).

    Raises:
        UsageError: an architecture the target cannot run, or a traffic option in error.
        AdvisorError: from the target's construction or its first read.
    """
    target = request.target.build(request.function) if build_target else None
    try:
        return _prepared(request, context, target)
    except BaseException:
        if target is not None:
            target.close()
        raise


def _prepared(request: TuneRequest, context: Context, target: Target | None) -> Prepared:
    """What :func:`prepare` gives, once the target is built (or, for a dry run, not)."""
    architectures = _architectures(request, target)
    store = context.store
    trace: Trace | None = request.traffic.load(request.function, workspace=store, seed=request.seed)
    known, current = _known(context, request.function)
    snapshot = target.snapshot() if target is not None else None
    if snapshot and snapshot.get("memory_mb") is not None:
        current = Current(int(snapshot["memory_mb"]), snapshot.get("architecture"))
    if trace is None:  # a trace file or a rate always gives arrivals: the workspace had none
        words = f"none known ({request.function} has no imported invocations): the SLA is over warm duration"
    else:
        words = f"{request.traffic.describe(request.function)}, {len(trace):,} requests"
    settings = TuneSettings(
        function=request.function, sla=request.sla, space=SearchSpace(request.memory, architectures),
        keep_warm=request.keep_warm, traffic=trace, payloads=as_pairs(request.payloads) or (({}, 1.0),),
        budgets=request.budgets, study=request.study,
        storage=database_url(request.storage) if request.storage else None, resume=request.resume,
        seed=request.seed, region=request.target.region or aws_lambda.DEFAULT_REGION, current=current,
    )
    return Prepared(request, target, settings, known, words)


def plan_of(prepared: Prepared, context: Context) -> TunePlan:
    """The dry-run plan: first sizes, budgets, estimated cost; nothing is invoked."""
    from advisor.tune.plan import plan

    known_ms, known_mb = prepared.known if prepared.known is not None else (None, None)
    return plan(prepared.settings, catalog=context.prices, known_duration_ms=known_ms, known_memory_mb=known_mb,
                storage=shown_storage(storage_url(prepared.settings, context.path) or "memory"))


@dataclass(frozen=True)
class Outcome:
    """A finished tuning: its result and what the end of the run did.

    Attributes:
        result: What the tuning found.
        restored: What the restore did (lines), e.g. ``put back memory 1024 MB``.
        notices: Lines to show (a stale lock taken over).
    """

    result: TuneResult
    restored: tuple[str, ...]
    notices: tuple[str, ...]


def run(prepared: Prepared, context: Context, *, on_event: Callable[[TuneEvent], None] | None = None) -> Outcome:
    """Tune, holding the function's lock, with its original configuration journaled and restored.

    Raises:
        TuningLockedError: another tuning holds the function.
        TargetError: an earlier tuning's journal is still there, or the restore failed.
    """
    from advisor.tune.engine import tune
    from advisor.tune.journal import tuning

    target = prepared.target
    if target is None:
        raise UsageError("this tuning was prepared for a dry run; prepare it with its target.")
    settings = prepared.settings
    with contextlib.ExitStack() as stack:
        stack.callback(target.close)
        guard = stack.enter_context(tuning(target, workspace=context.path, function=settings.function,
                                           study=settings.study_name, target_name=prepared.request.target.name))
        notices = tuple(guard.notices)
        result = tune(target, settings, on_event=on_event, context=context)
    return Outcome(result, tuple(guard.restored), notices)






def _architectures(request: TuneRequest, target: Target | None) -> tuple[str, ...]:
    """The architectures asked for, each one the target can run; default: the target's own."""
    if target is None:
        return request.architectures or (aws_lambda.DEFAULT_ARCH,)
    own = target.own_architecture()
    if request.architectures is None or set(request.architectures) == {own}:
        return request.architectures or (own,)  # the target's own: nothing else to check or fetch
    available = target.architectures()
    for arch in request.architectures:
        if arch not in available:
            reason = target.architecture_refusal(arch)
            raise UsageError(f"--arch {arch}: this target runs only {', '.join(available)}"
                             f"{f' ({reason})' if reason else ''}.",
                             hint=f"Leave {arch} out of --arch.")
    return request.architectures


def _known(context: Context, function: str) -> tuple[tuple[float, int] | None, Current]:
    """The imported invocations' mean duration at their latest memory size, and that configuration."""
    from advisor.errors import NotFoundError

    if context.store is None:
        return None, Current()
    try:
        frame = context.store.invocations(function)
    except NotFoundError:
        return None, Current()
    frame = frame[frame["memory_mb"].notna()]
    if frame.empty:
        return None, Current()
    latest = frame.iloc[-1]
    memory = int(latest["memory_mb"])
    at = frame[frame["memory_mb"] == memory]["duration_ms"].dropna()
    arch = latest.get("architecture")
    current = Current(memory, arch if isinstance(arch, str) else None)
    return ((float(at.mean()), memory) if len(at) else None), current
