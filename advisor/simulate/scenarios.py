"""Replay scenarios: one labelled configuration each, from typed options or a ``--compare`` spec.

:meth:`Scenario.from_options` builds the base scenario from typed values (what the command
line's options hold); :func:`parse_scenario` applies a ``--compare`` spec on top of it. A spec
is comma-separated ``key=value`` settings, e.g. ``keep-alive=5m,provisioned=2`` or
``routing=mru,max-concurrency=10,queue=yes``. Keys: ``keep-alive``, ``provisioned``,
``provisioned-schedule`` (windows joined with ``+``: ``08:00-20:00=5+else=1``), ``routing``,
``max-concurrency``, ``queue``, ``per-instance-concurrency``, ``batch``, ``batch-wait-ms``,
``max-lifetime``, ``ping-every``, ``ping-concurrency``, ``init-ms``, ``label``. Values use the
same syntax and bounds as the options.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor import limits
from advisor.errors import UsageError
from advisor.platform.aws_lambda import DEFAULT_KEEP_ALIVE_S, check_memory_mb
from advisor.simulate._base import InitSpec, ReplayConfig, ReplayResult
from advisor.simulate.engine import replay
from advisor.simulate.inputs import Trace
from advisor.simulate.pings import Pings, replay_with_pings
from advisor.simulate.routing import DEFAULT_ROUTING
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.units import parse_duration

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog

_TRUE = {"yes", "true", "1", "on"}
_FALSE = {"no", "false", "0", "off"}
KEYS = ("keep-alive", "provisioned", "provisioned-schedule", "routing", "max-concurrency", "queue",
        "per-instance-concurrency", "batch", "batch-wait-ms", "max-lifetime", "ping-every", "ping-concurrency",
        "init-ms", "label")


@dataclass
class Scenario:
    """One labelled configuration, its init model (``None``: the observed init times) and its
    warm-up pings (:mod:`advisor.simulate.pings`), if any."""

    label: str
    config: ReplayConfig
    init_ms: float | None = None
    pings: Pings | None = None

    @classmethod
    def from_options(
        cls,
        *,
        keep_alive_s: float = DEFAULT_KEEP_ALIVE_S,
        provisioned: int = 0,
        provisioned_schedule: ProvisionedSchedule | None = None,
        routing: str = DEFAULT_ROUTING,
        max_concurrency: int | None = None,
        queue: bool = False,
        per_instance_concurrency: int = 1,
        batch: int = 1,
        batch_wait_ms: float = 0.0,
        max_lifetime_s: float | None = None,
        init_ms: float | None = None,
        memory_mb: int | None = None,
        ping_every_s: float | None = None,
        ping_concurrency: int = 1,
        label: str = "base",
    ) -> Scenario:
        """The scenario of typed option values, each checked against its bound and named as
        its command-line option when out of it.

        Raises:
            UsageError: a value outside its bound, or settings that contradict each other.
        """
        limits.KEEP_ALIVE_S.check(keep_alive_s, option="--keep-alive")
        limits.INSTANCES.check(provisioned, option="--provisioned")
        if max_concurrency is not None:
            limits.CONCURRENCY_LIMIT.check(max_concurrency, option="--max-concurrency")
        limits.PER_INSTANCE_CONCURRENCY.check(per_instance_concurrency, option="--per-instance-concurrency")
        limits.BATCH.check(batch, option="--batch")
        limits.BATCH_WAIT_MS.check(batch_wait_ms, option="--batch-wait-ms")
        if max_lifetime_s is not None:
            limits.LIFETIME_S.check(max_lifetime_s, option="--max-lifetime")
        if init_ms is not None:
            limits.INIT_MS.check(init_ms, option="--init-ms")
        if memory_mb is not None:
            check_memory_mb(memory_mb)
        if provisioned and provisioned_schedule is not None:
            raise UsageError("give either --provisioned or --provisioned-schedule, not both.")
        config = ReplayConfig(
            keep_alive_s=keep_alive_s, provisioned=provisioned, provisioned_schedule=provisioned_schedule,
            routing=routing, max_concurrency=max_concurrency, on_limit="queue" if queue else "reject",
            per_instance_concurrency=per_instance_concurrency, batch_size=batch, batch_wait_ms=batch_wait_ms,
            max_lifetime_s=max_lifetime_s, memory_mb=memory_mb,
        )
        return cls(label, config, init_ms, _pings(ping_every_s, ping_concurrency, "--ping-every", "--ping-concurrency"))

    def at_memory(self, memory_mb: int | None) -> Scenario:
        """The same scenario priced at ``memory_mb`` (unchanged when ``None``)."""
        if memory_mb is None:
            return self
        return dataclasses.replace(self, config=dataclasses.replace(self.config, memory_mb=memory_mb))


def parse_scenario(spec: str, base: Scenario) -> Scenario:
    """Apply the ``key=value,...`` settings of ``spec`` to ``base``.

    Raises:
        UsageError: an unknown key or a bad value, naming it.
    """
    changes: dict[str, Any] = {}
    label, init_ms = "", base.init_ms
    ping_every = base.pings.interval_s if base.pings else None
    ping_concurrency = base.pings.concurrency if base.pings else 1
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            raise UsageError(f"compare setting {part!r} in {spec!r} is not key=value.",
                             hint="Write e.g. --compare \"keep-alive=5m,provisioned=2\".")
        if key == "label":
            label = value
        elif key == "init-ms":
            init_ms = float(limits.INIT_MS.check(_number(value, key), option=key))
        elif key == "ping-every":
            ping_every = None if value.lower() == "none" else parse_duration(value, option=key)
        elif key == "ping-concurrency":
            ping_concurrency = _int(value, key, limits.INSTANCES)
        else:
            changes.update(_setting(key, value, spec))
    if "provisioned" in changes:
        changes.setdefault("provisioned_schedule", None)
    if "provisioned_schedule" in changes and changes["provisioned_schedule"] is not None:
        changes.setdefault("provisioned", 0)
    return Scenario(label, dataclasses.replace(base.config, **changes), init_ms,
                    _pings(ping_every, ping_concurrency, "ping-every", "ping-concurrency"))


def _pings(every_s: float | None, concurrency: int, every_option: str, concurrency_option: str) -> Pings | None:
    """The pings of the options (``None`` without an interval), each bad value named as its option."""
    if every_s is None:
        if concurrency != 1:
            raise UsageError(f"{concurrency_option} needs {every_option}.", hint=f"Give e.g. {every_option} 4m.")
        return None
    if not (every_s > 0 and every_s != float("inf")):
        raise UsageError(f"{every_option} must be a finite time above 0.", hint="Write e.g. 4m.")
    if concurrency < 1:
        raise UsageError(f"{concurrency_option} {concurrency} sends no ping.", hint="Use 1 or more.")
    return Pings(every_s, concurrency)


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a number.") from None


def _int(text: str, what: str, bound: limits.Bound) -> int:
    return int(bound.check(_number(text, what), option=what))


def _bool(text: str, what: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise UsageError(f"{what} {text!r} is not yes or no.")


def _setting(key: str, value: str, spec: str) -> dict[str, Any]:  # noqa: PLR0911 - one branch per key
    if key == "keep-alive":
        return {"keep_alive_s": parse_duration(value, option=key, allow_inf=True)}
    if key == "provisioned":
        return {"provisioned": _int(value, key, limits.INSTANCES)}
    if key == "provisioned-schedule":
        return {"provisioned_schedule": ProvisionedSchedule.parse(value.replace("+", ","))}
    if key == "routing":
        return {"routing": value}
    if key == "max-concurrency":
        return {"max_concurrency": None if value.lower() == "none" else _int(value, key, limits.CONCURRENCY_LIMIT)}
    if key == "queue":
        return {"on_limit": "queue" if _bool(value, key) else "reject"}
    if key == "per-instance-concurrency":
        return {"per_instance_concurrency": _int(value, key, limits.PER_INSTANCE_CONCURRENCY)}
    if key == "batch":
        return {"batch_size": _int(value, key, limits.BATCH)}
    if key == "batch-wait-ms":
        return {"batch_wait_ms": float(limits.BATCH_WAIT_MS.check(_number(value, key), option=key))}
    if key == "max-lifetime":
        return {"max_lifetime_s": parse_duration(value, option=key, allow_inf=True)}
    raise UsageError(f"unknown compare setting {key!r} in {spec!r}.", hint=f"Keys: {', '.join(KEYS)}.")


def run_scenarios(trace: Trace, scenarios: Sequence[Scenario], *, seed: int = 0,
                  catalog: PriceCatalog | None = None) -> list[tuple[Scenario, ReplayResult]]:
    """Replay ``trace`` under each scenario (same arrivals, service times and seed), priced by ``catalog``."""
    out = []
    for scenario in scenarios:
        init: InitSpec = trace.init_spec(scenario.init_ms)
        if scenario.pings is None:
            result = replay(trace.arrivals_s, trace.service_ms, scenario.config, init_ms=init, seed=seed,
                            catalog=catalog)
        else:  # the traffic's outcomes; the pool and the cost with the pings
            result, layout = replay_with_pings(trace.arrivals_s, trace.service_ms, scenario.config, scenario.pings,
                                               init_ms=init, seed=seed, catalog=catalog)
            result = result.only(layout.traffic_at)
        out.append((scenario, result))
    return out
