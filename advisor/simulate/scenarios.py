"""Several replay configurations over one trace (``advisor replay --compare``), and the
parsers of their textual forms.

A compare spec is comma-separated ``key=value`` settings applied on top of the base
configuration, e.g. ``keep-alive=5m,provisioned=2`` or ``routing=mru,max-concurrency=10,queue=yes``.
Keys: ``keep-alive``, ``provisioned``, ``provisioned-schedule`` (windows joined with ``+``:
``08:00-20:00=5+else=1``), ``routing``, ``max-concurrency``, ``queue``, ``per-instance-concurrency``,
``batch``, ``batch-wait-ms``, ``max-lifetime``, ``init-ms``, ``label``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from advisor.errors import UsageError
from advisor.simulate._base import InitSpec, ReplayConfig, ReplayResult
from advisor.simulate.engine import replay
from advisor.simulate.inputs import Trace
from advisor.simulate.schedule import ProvisionedSchedule

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$")
_UNIT_S = {"ms": 0.001, "s": 1.0, None: 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_TRUE = {"yes", "true", "1", "on"}
_FALSE = {"no", "false", "0", "off"}


def parse_duration_s(text: str, *, what: str = "duration") -> float:
    """Seconds from ``600``, ``10m``, ``90s``, ``2h``, ``250ms`` or ``inf``.

    Raises:
        UsageError: naming ``text``.
    """
    value = text.strip().lower()
    if value in ("inf", "infinite", "forever"):
        return math.inf
    match = _DURATION.match(value)
    if not match:
        raise UsageError(f"{what} {text!r} is not a duration.", hint="Write e.g. 600, 10m, 90s, 2h or inf.")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def _int(text: str, what: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise UsageError(f"{what} {text!r} is not an integer >= {minimum}.")
    return value


def _bool(text: str, what: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise UsageError(f"{what} {text!r} is not yes or no.")


@dataclass
class Scenario:
    """One labelled configuration and its init model."""

    label: str
    config: ReplayConfig
    init_ms: float | None = None


def scenario_from_settings(settings: dict[str, Any], *, label: str = "base", memory_mb: int | None = None) -> Scenario:
    """A scenario from ``{compare key: value}`` settings (``None`` values are left at their defaults).

    The command-line options go through here, so they are checked exactly like ``--compare``
    settings and a bad value is named the same way.
    """
    spec = ",".join(f"{key}={value}" for key, value in settings.items() if value is not None)
    return dataclasses.replace(parse_scenario(spec, Scenario(label, ReplayConfig(memory_mb=memory_mb))), label=label)


def parse_scenario(spec: str, base: Scenario) -> Scenario:
    """Apply the ``key=value,...`` settings of ``spec`` to ``base``.

    Raises:
        UsageError: an unknown key or a bad value, naming it.
    """
    changes: dict[str, Any] = {}
    label, init_ms = "", base.init_ms
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            raise UsageError(f"compare setting {part!r} in {spec!r} is not key=value.",
                             hint="Write e.g. --compare \"keep-alive=5m,provisioned=2\".")
        if key == "label":
            label = value
        elif key == "init-ms":
            init_ms = _float_ms(value, "init-ms")
        else:
            changes.update(_setting(key, value, spec))
    if "provisioned" in changes:
        changes.setdefault("provisioned_schedule", None)
    if "provisioned_schedule" in changes and changes["provisioned_schedule"] is not None:
        changes.setdefault("provisioned", 0)
    return Scenario(label, dataclasses.replace(base.config, **changes), init_ms)


def _float_ms(value: str, what: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not (number >= 0 and math.isfinite(number)):
        raise UsageError(f"{what} {value!r} is not a number of milliseconds >= 0.")
    return number


def _setting(key: str, value: str, spec: str) -> dict[str, Any]:  # noqa: PLR0911 - one branch per key
    if key == "keep-alive":
        return {"keep_alive_s": parse_duration_s(value, what="keep-alive")}
    if key == "provisioned":
        return {"provisioned": _int(value, "provisioned", 0)}
    if key == "provisioned-schedule":
        return {"provisioned_schedule": ProvisionedSchedule.parse(value.replace("+", ","))}
    if key == "routing":
        return {"routing": value}
    if key == "max-concurrency":
        return {"max_concurrency": None if value.lower() == "none" else _int(value, "max-concurrency", 1)}
    if key == "queue":
        return {"on_limit": "queue" if _bool(value, "queue") else "reject"}
    if key == "per-instance-concurrency":
        return {"per_instance_concurrency": _int(value, "per-instance-concurrency", 1)}
    if key == "batch":
        return {"batch_size": _int(value, "batch", 1)}
    if key == "batch-wait-ms":
        return {"batch_wait_ms": _float_ms(value, "batch-wait-ms")}
    if key == "max-lifetime":
        return {"max_lifetime_s": parse_duration_s(value, what="max-lifetime")}
    raise UsageError(f"unknown compare setting {key!r} in {spec!r}.",
                     hint="Keys: keep-alive, provisioned, provisioned-schedule, routing, max-concurrency, queue, "
                          "per-instance-concurrency, batch, batch-wait-ms, max-lifetime, init-ms, label.")


def run_scenarios(trace: Trace, scenarios: list[Scenario], *, seed: int = 0) -> list[tuple[Scenario, ReplayResult]]:
    """Replay ``trace`` under each scenario (same arrivals, service times and seed)."""
    out = []
    for scenario in scenarios:
        init: InitSpec = trace.init_spec(scenario.init_ms)
        out.append((scenario, replay(trace.arrivals_s, trace.service_ms, scenario.config, init_ms=init, seed=seed)))
    return out
