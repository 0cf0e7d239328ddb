"""advisor's own bounds on what it simulates, prices and runs: one :class:`Bound` per option value.

Platform limits (Lambda's memory sizes, timeouts) live in :mod:`advisor.platform`; the bounds
here are advisor's, chosen so that every accepted value gives a meaningful answer in bounded
time and memory. Each says why. ``docs/architecture.md`` lists them.
"""

from __future__ import annotations

import math
from typing import Final

from advisor.errors import UsageError
from advisor.platform import Bound, aws_lambda, cloud_run
from advisor.units import BYTES_PER_MIB, HOURS_PER_DAY, KIB_PER_MIB, MS_PER_S, SECONDS_PER_HOUR

#: More instances than any Lambda concurrency quota grants (tens of thousands at most).
MAX_INSTANCES: Final = 100_000
#: A month at about 380,000 requests per second, beyond any function's volume.
MAX_MONTHLY_INVOCATIONS: Final = 10**12
#: One (leap) year.
MAX_HOURS: Final = 366 * HOURS_PER_DAY
#: Requests served together by one GPU batch.
MAX_BATCH: Final = 4096
#: Local runs in a row.
MAX_LOCAL_INVOCATIONS: Final = 100_000
#: Time compression of a local replay.
MAX_SPEEDUP: Final = 10_000.0
#: Largest seed numpy's generators take from the command line (32 bits, as everywhere else).
MAX_SEED: Final = 2**32 - 1

INSTANCES: Final = Bound("instances", "", 0, MAX_INSTANCES,
                         "more than any Lambda concurrency quota; advisor simulates at most that many")
CONCURRENCY_LIMIT: Final = Bound("the concurrency limit", "", 1, MAX_INSTANCES,
                                 "more than any Lambda concurrency quota; advisor simulates at most that many")
PER_INSTANCE_CONCURRENCY: Final = cloud_run.CONCURRENCY_PER_INSTANCE
BATCH: Final = Bound("the batch size", "", 1, MAX_BATCH, "a GPU batch of more requests is not modelled")
#: A batch may wait as long as an invocation may run.
BATCH_WAIT_MS: Final = Bound("the batch wait", "ms", 0, aws_lambda.MAX_TIMEOUT_S * MS_PER_S,
                             "at most Lambda's longest timeout", integer=False)
#: Init can take as long as the longest invocation (provisioned and SnapStart init up to 15 min).
INIT_MS: Final = Bound("the init time", "ms", 0, aws_lambda.MAX_TIMEOUT_S * MS_PER_S,
                       "at most Lambda's longest timeout, 15 minutes", integer=False)
DURATION_MS: Final = Bound("the duration", "ms", 0, aws_lambda.MAX_TIMEOUT_S * MS_PER_S,
                           "an invocation runs at most Lambda's 15-minute timeout", integer=False)
INVOCATIONS: Final = Bound("invocations", "", 0, MAX_MONTHLY_INVOCATIONS,
                           "a month at 380,000 requests/s, beyond any function's volume")
HOURS: Final = Bound("hours", "h", 0, MAX_HOURS, "at most one year", integer=False)
#: A steady request rate: the monthly invocation bound spread over a month.
RATE_PER_S: Final = Bound("the request rate", "/s", 0,
                          MAX_MONTHLY_INVOCATIONS / (aws_lambda.HOURS_PER_MONTH * SECONDS_PER_HOUR),
                          "a month at 380,000 requests/s, beyond any function's volume", integer=False)
SEED: Final = Bound("the seed", "", 0, MAX_SEED, "a 32-bit seed")
LOCAL_INVOCATIONS: Final = Bound("invocations", "", 1, MAX_LOCAL_INVOCATIONS, "local runs in a row")
SPEEDUP: Final = Bound("the speedup", "x", 0.001, MAX_SPEEDUP, "time compression", integer=False)
#: A keep-alive or lifetime: any time from 0, or ``inf``.
KEEP_ALIVE_S: Final = Bound("the keep-alive", "s", 0, math.inf, "any time, or inf", integer=False)
LIFETIME_S: Final = Bound("the lifetime", "s", 0.001, math.inf, "any time above 0, or inf", integer=False)
#: Break-even volumes, as factors of the real traffic (thinned or superposed).
VOLUME_FACTOR: Final = Bound("the volume factor", "x", 0.001, 1000, "from a thousandth to a thousand times the real "
                             "traffic; the replay of each must fit in memory", integer=False)
#: The utilisation an autoscaler keeps a replica at.
UTILISATION: Final = Bound("the target utilisation", "", 0.05, 1, "a share of a replica's capacity", integer=False)
#: How late a replica added by an autoscaler starts serving.
SCALE_UP_DELAY_S: Final = Bound("the scale-up delay", "s", 0, HOURS_PER_DAY * SECONDS_PER_HOUR,
                                "at most a day; a replica added later than that is not autoscaling", integer=False)
#: A TCP port to listen on (0: the system picks a free one).
PORT: Final = Bound("the port", "", 0, 65_535, "a TCP port; 0 picks a free one")
#: ``advisor tune``: a payload's share of the invocations, relative to the other payloads.
PAYLOAD_WEIGHT: Final = Bound("the payload weight", "", 1, 1000, "a share relative to the other payloads")
#: ... the invocations one tuning may make (it needs about 20) and what they may cost.
TUNE_INVOCATIONS: Final = Bound("the invocation budget", "", 1, MAX_LOCAL_INVOCATIONS,
                                "far beyond the few dozen a tuning needs")
TUNE_USD: Final = Bound("the USD budget", "USD", 1e-6, 10_000, "from a millionth of a dollar to $10,000",
                        integer=False)

#: What each simulated request costs in memory (arrays in and out of the replay engine).
REPLAY_BYTES_PER_REQUEST: Final = 96
#: ... each instance slot (the engine's pool arrays) ...
REPLAY_BYTES_PER_SLOT: Final = 160
#: ... and each request an instance may serve at once (its completion heap entry).
REPLAY_BYTES_PER_CONCURRENT: Final = 16


def available_memory_bytes() -> int | None:
    """Memory the system can still give this process (``MemAvailable``), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * (BYTES_PER_MIB // KIB_PER_MIB)
    except OSError:
        return None
    return None


def check_fits_in_memory(needed_bytes: int, *, what: str) -> None:
    """Refuse work that would need more memory than this machine has available.

    Raises:
        UsageError: ``needed_bytes`` exceeds the available memory; the message says both.
    """
    available = available_memory_bytes()
    if available is not None and needed_bytes > available:
        raise UsageError(
            f"{what} would need about {needed_bytes / BYTES_PER_MIB:,.0f} MiB of memory; this machine has "
            f"{available / BYTES_PER_MIB:,.0f} MiB available.",
            hint="Replay a shorter window (--since/--until) or fewer instances.")


def check_replay_size(requests: int, instances: int, per_instance: int = 1) -> None:
    """Refuse a replay of ``requests`` over up to ``instances`` instances that cannot fit in memory.

    Args:
        requests: Requests replayed.
        instances: The most instances the pool can hold at once.
        per_instance: Requests one instance serves at once.
    """
    slot = REPLAY_BYTES_PER_SLOT + per_instance * REPLAY_BYTES_PER_CONCURRENT
    check_fits_in_memory(requests * REPLAY_BYTES_PER_REQUEST + instances * slot,
                         what=f"replaying {requests:,} requests over up to {instances:,} instances")
