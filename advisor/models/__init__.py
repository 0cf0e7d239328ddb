"""Latency models: duration and cold start as functions of memory, with honest uncertainty."""

from advisor.models.coldstart import ColdStartModel
from advisor.models.distribution import LatencyDistribution
from advisor.models.duration import DurationModel
from advisor.models.forms import FORMS, vcpu_share
from advisor.models.scaling import MemoryScaling, memory_scaling

__all__ = [
    "FORMS",
    "ColdStartModel",
    "DurationModel",
    "LatencyDistribution",
    "MemoryScaling",
    "memory_scaling",
    "vcpu_share",
]
