"""The behaviour every :class:`~advisor.breakeven.PlatformModel` must have: one suite, run on each one.

As ``tests/targets/target_suite.py`` does for targets, each platform's test class subclasses
:class:`PlatformSuite` and provides ``make_model`` (a model of that platform) and says whether
it needs GPU times (``needs_gpu``). A platform model written against the contract passes it as
the built-in ones do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from advisor.breakeven import PlatformModel, PlatformResult, Service, at_volume
from advisor.breakeven._base import NO_GPU_TIMES
from advisor.pricing.money import add, mul
from advisor.simulate.inputs import Trace
from advisor.sla import Sla

MakeModel = Callable[[], PlatformModel]
EASY = Sla.parse("p99=1h")
IMPOSSIBLE = Sla.parse("p50=1ms")


class PlatformSuite:
    """Subclass it as ``TestMyPlatform`` and give ``make_model`` and ``needs_gpu``."""

    needs_gpu: bool = False

    @pytest.fixture
    def make_model(self) -> MakeModel:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _evaluate(self, model: PlatformModel, trace: Trace, service: Service, sla: Sla = EASY,
                  factor: float = 1.0) -> PlatformResult:
        return model.evaluate(at_volume(trace, factor, seed=3), service, sla)

    def test_its_result_names_it_and_holds_the_volume(self, make_model: MakeModel, azure_trace: Trace,
                                                      gpu_service: Service) -> None:
        model = make_model()
        workload = at_volume(azure_trace, 3.0, seed=1)
        result = model.evaluate(workload, gpu_service, EASY)
        assert result.platform == model.name
        assert result.requests_per_month == pytest.approx(workload.requests_per_month)
        assert result.unavailable is None

    def test_the_monthly_cost_is_its_breakdown_summed_and_the_period_scaled_to_a_month(
            self, make_model: MakeModel, azure_trace: Trace, gpu_service: Service) -> None:
        workload = at_volume(azure_trace, 1.0)
        result = make_model().evaluate(workload, gpu_service, EASY)
        assert result.monthly_usd is not None and result.period_usd is not None
        assert result.monthly_usd > 0
        assert add(*result.breakdown.values()) == result.monthly_usd
        assert result.monthly_usd == pytest.approx(mul(result.period_usd, workload.month_factor),
                                                   rel=Decimal("1e-9"), abs=Decimal("1e-8"))

    def test_latency_percentiles_are_ordered_and_decide_the_sla(self, make_model: MakeModel, azure_trace: Trace,
                                                               gpu_service: Service) -> None:
        model = make_model()
        easy = self._evaluate(model, azure_trace, gpu_service, EASY)
        p50, p95, p99 = (easy.latency_ms[k] for k in ("p50", "p95", "p99"))
        assert p50 is not None and p95 is not None and p99 is not None
        assert 0 < p50 <= p95 <= p99
        assert easy.meets_sla is True
        assert self._evaluate(model, azure_trace, gpu_service, IMPOSSIBLE).meets_sla is False
        below = Sla.parse(f"p95={p95 * 0.99}ms")
        assert self._evaluate(model, azure_trace, gpu_service, below).meets_sla is False

    def test_cold_fraction_is_a_share_of_the_requests(self, make_model: MakeModel, azure_trace: Trace,
                                                     gpu_service: Service) -> None:
        result = self._evaluate(make_model(), azure_trace, gpu_service)
        assert result.cold_fraction is not None and 0 <= result.cold_fraction <= 1

    def test_the_same_seed_gives_the_same_figures(self, make_model: MakeModel, azure_trace: Trace,
                                                 gpu_service: Service) -> None:
        first = self._evaluate(make_model(), azure_trace, gpu_service, factor=2.5)
        again = self._evaluate(make_model(), azure_trace, gpu_service, factor=2.5)
        assert first.to_dict() == again.to_dict()

    def test_assumptions_are_named_and_json_ready(self, make_model: MakeModel) -> None:
        assumptions = make_model().assumptions()
        assert assumptions and all(isinstance(k, str) for k in assumptions)
        json.dumps(assumptions)

    def test_without_gpu_times_a_gpu_platform_is_unavailable_not_free(self, make_model: MakeModel,
                                                                     azure_trace: Trace) -> None:
        result = self._evaluate(make_model(), azure_trace, Service(gpu=None))
        if self.needs_gpu:
            assert result.unavailable == NO_GPU_TIMES
            assert result.monthly_usd is None and result.meets_sla is None
            document = result.to_dict()
            assert document["monthly_usd"] is None and document["latency_ms"]["p95"] is None
        else:
            assert result.unavailable is None and result.monthly_usd is not None

    def test_its_json_is_plain(self, make_model: MakeModel, azure_trace: Trace, gpu_service: Service) -> None:
        document = self._evaluate(make_model(), azure_trace, gpu_service).to_dict()
        assert set(document) == {"platform", "requests_per_month", "monthly_usd", "breakdown_usd", "period_usd",
                                 "latency_ms", "cold_fraction", "meets_sla", "notes", "unavailable"}
        assert Decimal(document["monthly_usd"]) > 0
        json.dumps(document, allow_nan=False)
