"""Google Cloud Run: the platform facts the break-even relies on (prices are in the catalog).

Sources: Cloud Run documentation, "Maximum concurrent requests per instance" (default 80,
at most 1,000), "Billing settings" (request-based billing: CPU only while handling requests,
rounded up to 100 ms; instance-based: the whole instance lifetime), "Configure request
timeout" (default 5 minutes, at most 60), "CPU limits" and "Memory limits" (0.08-8 vCPU,
512 MiB-32 GiB per instance), "Instance autoscaling" (idle instances are kept for
up to 15 minutes), "GPU support" (one NVIDIA L4 per instance, with at least 4 vCPU and 16 GiB).
"""

from __future__ import annotations

from typing import Final

from advisor.platform._base import Bound
from advisor.units import SECONDS_PER_MINUTE

NAME: Final = "gcp-cloud-run"
DEFAULT_REGION: Final = "us-central1"
BILLING_MODES: Final = ("request_based", "instance_based")
DEFAULT_BILLING_MODE: Final = "request_based"
DEFAULT_CONCURRENCY_PER_INSTANCE: Final = 80
MAX_CONCURRENCY_PER_INSTANCE: Final = 1000
#: Request-based billing rounds each instance's billable time up to this.
BILLING_GRANULARITY_MS: Final = 100
DEFAULT_REQUEST_TIMEOUT_S: Final = 5 * SECONDS_PER_MINUTE
MAX_REQUEST_TIMEOUT_S: Final = 60 * SECONDS_PER_MINUTE
#: An idle instance is kept (and, with instance-based billing, billed) at most this long.
MAX_IDLE_INSTANCE_S: Final = 15 * SECONDS_PER_MINUTE
GPUS: Final = ("L4",)
GPU_MIN_VCPUS: Final = 4
GPU_MIN_MEMORY_GIB: Final = 16

#: The break-even's CPU service: one vCPU and 2 GiB per instance, one request per vCPU at once
#: (CPU-bound inference does not overlap on one core; the default of 80 suits I/O-bound services).
DEFAULT_VCPUS: Final = 1.0
DEFAULT_MEMORY_GIB: Final = 2.0
CPU_BOUND_CONCURRENCY: Final = 1
#: An instance's vCPU and memory (Cloud Run documentation, "CPU limits" and "Memory limits").
VCPUS: Final = Bound("Cloud Run's vCPU per instance", "vCPU", 0.08, 8, "Cloud Run's limits", integer=False)
MEMORY_GIB: Final = Bound("Cloud Run's memory per instance", "GiB", 0.5, 32, "Cloud Run's limits", integer=False)
CONCURRENCY_PER_INSTANCE: Final = Bound("Cloud Run's requests per instance", "", 1, MAX_CONCURRENCY_PER_INSTANCE,
                                        "Cloud Run serves at most 1,000 requests at once per instance")
