"""AWS Lambda: the platform facts advisor relies on, each with its source, and their validators.

Prices live in the catalogs (``pricing/aws-lambda.yaml``); everything else Lambda does that
advisor's numbers depend on lives here and only here.

Sources:
- memory 128-10,240 MB in 1 MB steps, timeout up to 900 s, 6 MB synchronous invocation payloads,
  architectures: Lambda developer guide, "Lambda quotas" and "Configuring function memory";
- one vCPU at 1,769 MB, six at 10,240 MB: the same guide ("memory and computing power");
- 1 ms billing since 2020-12-01 (100 ms before): AWS announcement of 2020-12-01;
- init phase billed for managed runtimes since 2025-08-01 (custom runtimes, container images
  and provisioned concurrency always were): AWS announcement, "Lambda standardizes billing for
  INIT phase";
- provisioned concurrency billed in 5-minute increments: Lambda pricing page;
- deployment packages: 50 MB zipped when uploaded directly (``UpdateFunctionCode``'s ``ZipFile``),
  250 MB unzipped with all layers, at most 5 layers: "Lambda quotas";
- the architecture changes only with the code (``UpdateFunctionCode`` ``Architectures``), and a
  package with native code (ELF) runs on the architecture it was built for: "Lambda instruction set
  architectures";
- keep-alive: not documented; idle environments are observed to live about 5-10 minutes, so
  the simulator assumes 10 minutes unless calibrated from log streams;
- a month is 730 hours in AWS prices.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from advisor.errors import UsageError
from advisor.platform._base import Bound
from advisor.units import SECONDS_PER_MINUTE

if TYPE_CHECKING:  # numpy is imported where it is used: the bulk log import never needs it
    import numpy as np
    from numpy.typing import ArrayLike

NAME: Final = "aws-lambda"

MIN_MEMORY_MB: Final = 128
MAX_MEMORY_MB: Final = 10_240
MEMORY_STEP_MB: Final = 1
#: Lambda gives one vCPU at 1,769 MB and CPU in proportion to memory.
MB_PER_VCPU: Final = 1769.0
MAX_VCPU: Final = 6.0

ARCHITECTURES: Final = ("x86_64", "arm64")
DEFAULT_ARCH: Final = "x86_64"
#: What ``platform.machine()`` says on each Lambda architecture's hardware.
MACHINE_ARCHITECTURES: Final = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
DEFAULT_REGION: Final = "us-east-1"
#: The ELF ``e_machine`` of each architecture's native code (x86-64: 62, AArch64: 183).
ELF_MACHINES: Final = {"x86_64": 62, "arm64": 183}

#: Largest zip package uploaded directly (``ZipFile``), and a package with its layers unzipped.
MAX_ZIP_UPLOAD_BYTES: Final = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES: Final = 250 * 1024 * 1024

#: Billed duration is rounded up to this (ms); a zero duration bills one granule.
BILLING_GRANULARITY_MS: Final = 1
#: ... and to this before :data:`ONE_MS_BILLING_SINCE`.
LEGACY_BILLING_GRANULARITY_MS: Final = 100
ONE_MS_BILLING_SINCE: Final = datetime(2020, 12, 1, tzinfo=UTC)
#: Since then the init phase of managed runtimes is billed as duration too (in Billed Duration).
INIT_BILLED_SINCE: Final = datetime(2025, 8, 1, tzinfo=UTC)
#: Provisioned concurrency is billed from enabling to disabling, rounded up to this.
PROVISIONED_BILLING_INCREMENT_S: Final = 5 * SECONDS_PER_MINUTE

DEFAULT_TIMEOUT_S: Final = 3.0
MAX_TIMEOUT_S: Final = 900.0
#: On-demand environments must finish their init phase within this.
INIT_TIMEOUT_S: Final = 10.0
#: Largest request and response payload of a synchronous invocation (6 MB).
MAX_PAYLOAD_BYTES: Final = 6 * 1024 * 1024

#: Idle environments observed to live this long (s); Lambda does not document it.
OBSERVED_KEEP_ALIVE_S: Final = (5 * SECONDS_PER_MINUTE, 10 * SECONDS_PER_MINUTE)
#: What the simulator assumes when the logs cannot calibrate it.
DEFAULT_KEEP_ALIVE_S: Final = float(OBSERVED_KEEP_ALIVE_S[1])
#: The default regional concurrency quota (raised on request).
DEFAULT_CONCURRENCY_QUOTA: Final = 1000
#: AWS prices a month as 730 hours.
HOURS_PER_MONTH: Final = 730

MEMORY: Final = Bound("Lambda's memory size", "MB", MIN_MEMORY_MB, MAX_MEMORY_MB,
                      "Lambda's limits, in 1 MB steps")
TIMEOUT: Final = Bound("Lambda's timeout", "s", 0.001, MAX_TIMEOUT_S, "Lambda's limit is 15 minutes",
                       integer=False)


def check_memory_mb(value: float, *, option: str = "--memory") -> int:
    """The memory size in MB if Lambda accepts it; a :class:`UsageError` naming ``option`` otherwise."""
    return int(MEMORY.check(value, option=option))


def check_architecture(value: str, *, option: str = "--arch") -> str:
    """The architecture if Lambda has it (``x86_64``, ``arm64``); a :class:`UsageError` otherwise."""
    if value not in ARCHITECTURES:
        raise UsageError(f"{option} {value!r} is not a Lambda architecture.",
                         hint=f"Use one of: {', '.join(ARCHITECTURES)}.")
    return value


def check_timeout_s(value: float, *, option: str = "--timeout") -> float:
    """The timeout in seconds if Lambda accepts it (up to 900 s)."""
    return float(TIMEOUT.check(value, option=option))


def code_sha256(package: bytes) -> str:
    """Lambda's ``CodeSha256`` of a deployment package: the base64 of its bytes' SHA-256."""
    return base64.b64encode(hashlib.sha256(package).digest()).decode("ascii")


def architecture_of(machine: str) -> str:
    """The Lambda architecture of a machine (``platform.machine()``); x86_64 when unknown."""
    return MACHINE_ARCHITECTURES.get(machine.lower(), DEFAULT_ARCH)


def vcpus(memory_mb: ArrayLike) -> np.ndarray:
    """vCPU a function gets at ``memory_mb``: ``memory / 1769``, at most 6 (element-wise)."""
    import numpy as np

    return np.minimum(np.asarray(memory_mb, dtype=np.float64) / MB_PER_VCPU, MAX_VCPU)


def legacy_billing(end: datetime) -> bool:
    """Whether an invocation that ended at ``end`` (naive means UTC) was billed in 100 ms steps."""
    moment = end if end.tzinfo is not None else end.replace(tzinfo=UTC)
    return moment < ONE_MS_BILLING_SINCE


#: Durations are rounded to this many decimals of a ms before rounding up, so that a time
#: computed in floating point (36.812 s x 1000 = 36812.000000000007) bills what it means.
_BILLING_DECIMALS: Final = 6


def billed_ms(duration_ms: ArrayLike, legacy: ArrayLike | bool = False) -> np.ndarray:
    """Billed milliseconds of each duration, as Lambda rounds them.

    Rounded up to :data:`BILLING_GRANULARITY_MS`, or to :data:`LEGACY_BILLING_GRANULARITY_MS`
    where ``legacy`` is true (invocations that ended before 2020-12-01); a zero duration still
    bills one granule. Already-billed whole values are unchanged.

    Args:
        duration_ms: Durations in ms (finite, not negative).
        legacy: True for the invocations billed in 100 ms steps (one flag or one per duration).

    Returns:
        An int64 array of billed ms, the shape of ``duration_ms``.
    """
    import numpy as np

    values = np.round(np.asarray(duration_ms, dtype=np.float64), _BILLING_DECIMALS)
    billed = np.maximum(np.ceil(values / BILLING_GRANULARITY_MS).astype(np.int64), 1) * BILLING_GRANULARITY_MS
    step = LEGACY_BILLING_GRANULARITY_MS
    return np.where(np.asarray(legacy, dtype=bool), -(-billed // step) * step, billed)
