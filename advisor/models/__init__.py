"""Latency models: duration and cold start as functions of memory, with honest uncertainty."""

from advisor.models.coldstart import ColdStartModel
from advisor.models.duration import DurationModel, rescale_durations
from advisor.models.forms import FORMS, vcpu_share

__all__ = [
    "FORMS",
    "ColdStartModel",
    "DurationModel",
    "rescale_durations",
    "vcpu_share",
]
