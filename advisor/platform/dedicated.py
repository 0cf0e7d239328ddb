"""Dedicated GPU and inference instances (EC2, SageMaker real-time endpoints).

Instance types, their accelerators and hourly prices are catalog data
(``pricing/aws-ec2.yaml``, ``pricing/aws-sagemaker.yaml``); the facts here say how to read them.
"""

from __future__ import annotations

from typing import Final

from advisor.platform.aws_lambda import DEFAULT_REGION, HOURS_PER_MONTH
from advisor.units import SECONDS_PER_MINUTE

#: SageMaker instance types start with this prefix (``ml.g5.xlarge``).
SAGEMAKER_PREFIX: Final = "ml."
#: The instances the break-even compares by default: the one-accelerator size of each family
#: (g4dn T4, g5 A10G, g6 L4, g6e L40S, inf2 Inferentia2) and a SageMaker real-time endpoint.
DEFAULT_INSTANCES: Final = ("g4dn.xlarge", "g5.xlarge", "g6.xlarge", "g6e.xlarge", "inf2.xlarge", "ml.g5.xlarge")
#: Autoscaling keeps each replica's accelerator at most this busy (an assumption: target
#: tracking policies are commonly set at 50-75%).
DEFAULT_TARGET_UTILISATION: Final = 0.7
#: A replica added by the autoscaler serves this long after the demand rose (EC2 Auto
#: Scaling's default instance warm-up is 300 s; the model load comes on top of the boot).
DEFAULT_SCALE_UP_DELAY_S: Final = 5.0 * SECONDS_PER_MINUTE
#: Replicas kept however low the traffic (an endpoint never scales to zero).
DEFAULT_MIN_REPLICAS: Final = 1
#: The autoscaler decides the replica count once per this window (s), from the window's rate.
SCALING_WINDOW_S: Final = 3600.0

__all__ = ["DEFAULT_INSTANCES", "DEFAULT_MIN_REPLICAS", "DEFAULT_REGION", "DEFAULT_SCALE_UP_DELAY_S",
           "DEFAULT_TARGET_UTILISATION", "HOURS_PER_MONTH", "SAGEMAKER_PREFIX", "SCALING_WINDOW_S"]
