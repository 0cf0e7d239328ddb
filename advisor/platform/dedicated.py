"""Dedicated GPU and inference instances (EC2, SageMaker real-time endpoints).

Instance types, their accelerators and hourly prices are catalog data
(``pricing/aws-ec2.yaml``, ``pricing/aws-sagemaker.yaml``); the facts here say how to read them.
"""

from __future__ import annotations

from typing import Final

from advisor.platform.aws_lambda import DEFAULT_REGION, HOURS_PER_MONTH

#: SageMaker instance types start with this prefix (``ml.g5.xlarge``).
SAGEMAKER_PREFIX: Final = "ml."

__all__ = ["DEFAULT_REGION", "HOURS_PER_MONTH", "SAGEMAKER_PREFIX"]
