"""What evidence a recommendation lacks, and the command that would get it.

A recommendation never looks surer than it is: each gap says what is missing, why it matters
to this answer, and the ``advisor`` command that fills it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from advisor.platform.aws_lambda import ARCHITECTURES, DEFAULT_ARCH
from advisor.recommend.result import Missing
from advisor.tune.space import MemorySpace

if TYPE_CHECKING:
    from advisor.recommend.evidence import Evidence
    from advisor.recommend.result import Candidate
    from advisor.sla import Sla
    from advisor.tune.scoring import Scores

#: The invocations suggested for a tuning that measures the missing sizes (the tuner's first
#: three sizes at three invocations each, and one more).
SUGGESTED_INVOCATIONS = 10


def missing_evidence(evidence: Evidence, scores: Mapping[str, Scores | None], best: Candidate | None, *,
                     sla: Sla) -> list[Missing]:
    """The gaps of ``evidence`` that matter to the recommendation ``best``, most important first."""
    function = evidence.function
    tune = f"advisor tune {function} --sla {sla}"
    out: list[Missing] = []
    for arch in evidence.architectures():
        sizes = evidence.sizes(arch)
        if scores.get(arch) is None:
            others = [s for s in MemorySpace.full().initial() if s not in sizes]
            arch_option = "" if arch == (evidence.info.architecture or DEFAULT_ARCH) else f" --arch {arch}"
            ran = (f"only {_sizes(sizes)} ran successfully, so no duration model can be fitted: the candidates are "
                   "that size's keep-warm settings" if sizes else
                   f"no size ran successfully, so {arch} has no candidate")
            out.append(Missing(
                what=f"durations at other memory sizes ({arch}): measure {_sizes(others)}",
                why=f"{ran}, and a smaller or larger size may be cheaper or faster",
                command=f"{tune}{arch_option} --budget-invocations {SUGGESTED_INVOCATIONS}"))
    if not any(len(m.init_ms()) for m in evidence.measurements()):
        why = ("no cold start's init time is in the evidence"
               + ("" if evidence.info.records_cold_starts else " (the imported traffic's source does not record them)")
               + ": a cold start adds nothing to latency here, so the SLA may be missed where cold starts are "
               f"common and keep-warm settings look less needed than they are. The tuner forces cold starts when "
               f"the traffic is known; CloudWatch logs hold them too (advisor import cloudwatch {function} --since 7d)")
        out.append(Missing(what="cold starts (init times)", why=why,
                           command=f"{tune} --budget-invocations {SUGGESTED_INVOCATIONS}"))
    measured_archs = set(evidence.architectures())
    for arch in ARCHITECTURES:
        if arch not in measured_archs:
            both = ",".join(sorted(measured_archs | {arch}, key=ARCHITECTURES.index))
            out.append(Missing(what=f"{arch} not measured",
                               why=f"{arch} is priced differently and runs at another speed; only "
                                   f"{', '.join(sorted(measured_archs))} is in the evidence",
                               command=f"{tune} --arch {both} --budget-invocations {SUGGESTED_INVOCATIONS}"))
    if best is not None and not best.measured:
        from advisor.tune.stopping import CONFIRMED_OCTAVES  # not loaded without a model (see engine)

        far = _octaves_from_measured(evidence, best)
        if far is not None and far > CONFIRMED_OCTAVES:
            out.append(Missing(
                what=f"a measurement at {best.memory_mb:,} MB ({best.architecture})",
                why=f"the recommended size is {far:.2f} octaves from the nearest measured one: its durations are the "
                    "model's, resting on the model's form there",
                command=f"{tune} --memory {best.memory_mb} --arch {best.architecture} --budget-invocations 3"))
    return out


def _octaves_from_measured(evidence: Evidence, best: Candidate) -> float | None:
    sizes = evidence.sizes(best.architecture)
    if not sizes:
        return None
    return float(np.min(np.abs(np.log2(np.asarray(sizes, dtype=float)) - np.log2(best.memory_mb))))


def _sizes(sizes: list[int]) -> str:
    texts = [f"{s:,}" for s in sizes]
    if len(texts) <= 1:
        return f"{''.join(texts)} MB"
    return f"{', '.join(texts[:-1])} and {texts[-1]} MB"
