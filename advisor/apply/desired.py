"""What ``advisor apply`` is asked to set: memory, architecture and keep-warm, from a recommendation.

A recommendation arrives as ``advisor recommend --json``'s document (``--from REC.json``: its
``recommended`` candidate), as a candidate dict from the library (:func:`from_candidate`, the one
place a candidate becomes a :class:`Desired`), or as explicit options (:func:`from_options`).
The keep-warm setting is the tuner's :class:`~advisor.tune.keepwarm.KeepWarm`, its schedule the
``--provisioned-schedule`` syntax (:class:`~advisor.simulate.schedule.ProvisionedSchedule`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import limits
from advisor.errors import AdvisorError, InputError, UsageError
from advisor.platform.aws_lambda import check_architecture, check_memory_mb
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.tune.keepwarm import KeepWarm

if TYPE_CHECKING:
    from advisor.context import Context
    from advisor.sla import Sla


@dataclass(frozen=True)
class Desired:
    """The configuration to apply; None in a field: leave that part as it is.

    Attributes:
        memory_mb: The memory size.
        architecture: ``x86_64`` or ``arm64``.
        keep_warm: The keep-warm setting (``none`` removes provisioned concurrency from the alias).
        source: Where it came from (the file, or ``options``), for messages.
    """

    memory_mb: int | None = None
    architecture: str | None = None
    keep_warm: KeepWarm | None = None
    source: str = "options"

    @property
    def needs_alias(self) -> bool:
        """Whether applying it touches provisioned concurrency, which lives on an alias."""
        return self.keep_warm is not None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object (null: left as it is)."""
        return {"memory_mb": self.memory_mb, "architecture": self.architecture,
                "keep_warm": self.keep_warm.to_dict() if self.keep_warm is not None else None,
                "source": self.source}


def from_candidate(candidate: dict[str, Any], *, source: str = "the recommendation") -> Desired:
    """The :class:`Desired` of one recommended candidate (``advisor recommend``'s CANDIDATE object).

    Args:
        candidate: ``{"memory_mb", "architecture", "keep_warm": KeepWarm.to_dict(), ...}``.
        source: Where it came from, named in errors.

    Raises:
        InputError: a field missing or out of range, named with ``source``.
    """
    if not isinstance(candidate, dict):
        raise InputError(f"{source}: the recommended candidate is not a JSON object")
    try:
        memory_mb = _field(candidate, "memory_mb", source)
        if not isinstance(memory_mb, (int, float)) or isinstance(memory_mb, bool):
            raise InputError(f"{source}: memory_mb {memory_mb!r} is not a number of MB")
        memory = check_memory_mb(memory_mb, option=f"{source}: memory_mb")
        architecture = check_architecture(str(_field(candidate, "architecture", source)),
                                          option=f"{source}: architecture")
        keep_warm = keep_warm_of(_field(candidate, "keep_warm", source), source=source)
    except InputError:
        raise
    except AdvisorError as exc:
        raise InputError(exc.message, hint=exc.hint or "Give the JSON of `advisor recommend --json`.") from None
    return Desired(memory, architecture, keep_warm, source)


def keep_warm_of(document: Any, *, source: str) -> KeepWarm:
    """The :class:`KeepWarm` of its JSON object (``KeepWarm.to_dict()``).

    Raises:
        InputError: not such an object, or figures that do not fit its kind.
    """
    if not isinstance(document, dict) or not isinstance(document.get("kind"), str):
        raise InputError(f"{source}: keep_warm is not an object with a kind (none, provisioned, schedule, pings)")
    kind = document["kind"]
    try:
        if kind == "provisioned":
            return KeepWarm("provisioned", provisioned=_count(document.get("provisioned"), f"{source}: provisioned"))
        if kind == "schedule":
            spec = document.get("schedule")
            if not isinstance(spec, str):
                raise InputError(f"{source}: a schedule keep-warm has no schedule text")
            return KeepWarm("schedule", schedule=ProvisionedSchedule.parse(spec))
        if kind == "pings":
            interval = document.get("ping_interval_s")
            if not isinstance(interval, (int, float)) or isinstance(interval, bool):
                raise InputError(f"{source}: ping_interval_s {interval!r} is not a number of seconds")
            return KeepWarm("pings", ping_interval_s=float(interval),
                            ping_concurrency=_count(document.get("ping_concurrency"), f"{source}: ping_concurrency"))
        return KeepWarm(kind)
    except UsageError as exc:
        raise InputError(f"{source}: keep_warm: {exc.message}", hint=exc.hint) from None


def from_file(path: Path, *, function: str) -> Desired:
    """The recommended configuration in ``advisor recommend --json``'s document at ``path``.

    Raises:
        InputError: unreadable, not JSON, another function's, no ``recommended`` candidate.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"--from {path}: no such file",
                         hint=f"Save one with `advisor recommend {function} --sla ... --json > rec.json`.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--from {path}: cannot read it ({exc})") from None
    except ValueError as exc:
        raise InputError(f"--from {path} is not JSON ({exc})",
                         hint="Give the output of `advisor recommend FUNCTION --json`.") from None
    if not isinstance(document, dict) or "recommended" not in document:
        raise InputError(f"--from {path} has no 'recommended' object",
                         hint="Give the output of `advisor recommend FUNCTION --json`.")
    named = document.get("function")
    if named is not None and named != function:
        raise InputError(f"--from {path} is the recommendation for {named!r}, not {function!r}",
                         hint=f"Run `advisor recommend {function} ... --json` for this function.")
    if document["recommended"] is None:
        raise InputError(f"--from {path} recommends nothing (recommended is null: no candidate meets the SLA)",
                         hint="Read its missing_evidence and notes, or relax the SLA.")
    return from_candidate(document["recommended"], source=f"--from {path}")


def from_options(*, memory_mb: int | None = None, architecture: str | None = None,
                 provisioned: int | None = None, schedule: str | None = None) -> Desired:
    """The configuration of explicit options; ``provisioned=0`` removes provisioned concurrency.

    Raises:
        UsageError: nothing given, both ``provisioned`` and ``schedule``, or a bad value (named).
    """
    if provisioned is not None and schedule is not None:
        raise UsageError("--provisioned and --schedule both set provisioned concurrency",
                         hint="Give one: a constant count, or a schedule by UTC hour.")
    keep_warm: KeepWarm | None = None
    if provisioned is not None:
        count = int(limits.INSTANCES.check(provisioned, option="--provisioned"))
        keep_warm = KeepWarm("provisioned", provisioned=count) if count else KeepWarm("none")
    elif schedule is not None:
        keep_warm = KeepWarm("schedule", schedule=ProvisionedSchedule.parse(schedule))
    desired = Desired(check_memory_mb(memory_mb) if memory_mb is not None else None,
                      check_architecture(architecture) if architecture is not None else None, keep_warm)
    if desired == Desired():
        raise UsageError("nothing to apply: give --sla (the workspace's recommendation), --from REC.json, or some "
                         "of --memory, --arch, --provisioned, --schedule",
                         hint="For example --sla p95=2s --alias live, or --memory 2048 --provisioned 2 --alias live.")
    return desired


def from_workspace(context: Context, function: str, sla: Sla) -> Desired:
    """The recommendation of ``advisor recommend FUNCTION --sla SLA`` on the workspace's evidence.

    The same library call as the command (no break-even: only the Lambda configuration is applied).

    Raises:
        UsageError: no configuration meets the SLA on the evidence (nothing is applied then).
        NotFoundError: the function is not in the workspace.
    """
    from advisor.recommend import RecommendSettings, recommend

    document = recommend(context, function, RecommendSettings(sla=sla, platforms=())).to_dict()
    candidate = document.get("recommended")
    if candidate is None or not candidate.get("meets_sla"):
        raise UsageError(f"no configuration of {function} meets {sla} on the workspace's evidence, so there is "
                         "nothing to apply", hint=f"See why: advisor recommend {function} --sla {sla}")
    return from_candidate(candidate, source=f"advisor recommend {function} --sla {sla}")


def _field(candidate: dict[str, Any], name: str, source: str) -> Any:
    if candidate.get(name) is None:
        raise InputError(f"{source}: the recommended candidate has no {name}",
                         hint="Give the JSON of `advisor recommend --json`.")
    return candidate[name]


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"{what} {value!r} is not a whole number")
    return int(limits.INSTANCES.check(value, option=what))
