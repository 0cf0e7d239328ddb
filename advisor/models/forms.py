"""Candidate functional forms of latency against memory, and how each is fitted.

Every form is linear in its coefficients once its one nonlinear parameter (``theta``) is
fixed, so a fit is a profile over a small grid of ``theta`` with a non-negative least
squares (NNLS) solve for the coefficients at each grid point. That keeps fitting fast
(milliseconds), deterministic and free of starting-value trouble, and non-negativity keeps
every part (I/O time, CPU time) physically meaningful.

Lambda facts the ``lambda`` form encodes: a function gets ``memory / 1769`` vCPU (so 1,769 MB
is one full vCPU), at most 6 vCPU at 10,240 MB. Its parts:

- ``io``: time that does not depend on CPU (network, disk, waiting on other services);
- ``serial/min(vcpu, 1)``: single-threaded CPU work, which stops speeding up at one vCPU;
- ``parallel/min(vcpu, threads)``: CPU work spread over ``threads`` runnable threads on
  average, which stops speeding up at that many vCPU. ``threads`` is profiled over
  ``0.25, 0.5, 0.75, 1..6``: a fractional value is a thread that spends part of its time
  waiting on I/O, so it never needs a whole vCPU (measured S3 clients flatten near 1 GB);
- ``pressure*h(w/m)``: slowdown when the working set ``w`` fills the memory.

The same facts bound every form outside the measured sizes (:func:`physical_band`): a fitted
curve is trusted between its measured sizes, and beyond them it is clipped to what Lambda's
CPU allocation allows relative to the nearest measured size, so a flexible form (e.g.
``a + b*exp(-m/c)``) cannot extrapolate to absurd values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from advisor.platform.aws_lambda import MAX_VCPU, vcpus
from advisor.units import MB_PER_GB

#: Memory pressure starts when the working set exceeds this fraction of the memory size.
PRESSURE_ONSET = 0.5
#: Floor of ``1 - working_set / memory`` so the pressure term stays finite near the limit.
PRESSURE_FLOOR = 0.05

#: Relative slack when checking a curve against its physical band (rounding, not physics).
BAND_TOLERANCE = 1e-6

#: Effective thread counts below one tried by the ``lambda`` form (see :data:`FORMS`).
THREAD_GRID_BELOW_ONE = (0.25, 0.5, 0.75)
#: Knees (vCPU) of the ``knee`` form: below one, a thread that also waits on I/O; one, a
#: single thread; above, work over that many threads (up to Lambda's six vCPU).
KNEE_GRID = (0.25, 0.35, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0, MAX_VCPU)

Basis = Callable[[np.ndarray, float, float | None], np.ndarray]


def vcpu_share(memory_mb: np.ndarray | float) -> np.ndarray:
    """vCPU a Lambda function gets at ``memory_mb`` (:func:`advisor.platform.aws_lambda.vcpus`)."""
    return vcpus(memory_mb)


def pressure(memory_mb: np.ndarray, working_set_mb: float | None) -> np.ndarray:
    """Memory-pressure slowdown basis: zero while the working set is under half the memory.

    It grows as the working set approaches the memory size (garbage collection, paging),
    like ``(w/m - 0.5) / (1 - w/m)``; at or below the working set the function fails, which
    :meth:`DurationModel.fails` reports separately.
    """
    if working_set_mb is None:
        return np.zeros_like(memory_mb, dtype=float)
    load = working_set_mb / memory_mb
    return np.maximum(load - PRESSURE_ONSET, 0.0) / np.maximum(1.0 - load, PRESSURE_FLOOR)


def physical_band(
    memory_mb: np.ndarray, ref_mb: np.ndarray, ref_value: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean latencies at ``memory_mb`` that Lambda's CPU allocation allows, given ``ref_value``.

    Between two sizes the function can speed up at most by the ratio of their vCPU shares
    (all of its work parallel over enough threads) and never slows down with more memory
    (outside memory pressure, which callers exempt). So below the reference size the latency
    lies in ``[ref, ref * vcpu(ref)/vcpu(m)]`` and above it in ``[ref * vcpu(ref)/vcpu(m), ref]``.

    Returns:
        ``(low, high)`` arrays in the unit of ``ref_value``.
    """
    speedup = vcpu_share(ref_mb) / vcpu_share(memory_mb)
    ref = np.asarray(ref_value, dtype=float)
    return ref * np.minimum(speedup, 1.0), ref * np.maximum(speedup, 1.0)


@dataclass(frozen=True)
class Form:
    """One candidate form: ``y = basis(m, theta) @ coef`` with ``coef >= 0``.

    Attributes:
        name: Short name used in reports and ``form=`` settings.
        formula: The form written out for people.
        coef_names: Names of the linear coefficients, in basis-column order.
        theta_name: Name of the profiled nonlinear parameter (None when there is none).
        grid: Values of ``theta`` tried; the best by weighted squared error is kept.
        basis: ``basis(memory_mb, theta, working_set_mb) -> (n, len(coef_names))``.
    """

    name: str
    formula: str
    coef_names: tuple[str, ...]
    theta_name: str | None
    grid: tuple[float, ...]
    basis: Basis

    @property
    def n_params(self) -> int:
        """Number of fitted parameters (coefficients plus ``theta``)."""
        return len(self.coef_names) + (self.theta_name is not None)


def _ones(m: np.ndarray) -> np.ndarray:
    return np.ones_like(m, dtype=float)


def _constant(m: np.ndarray, theta: float, ws: float | None) -> np.ndarray:
    return _ones(m)[:, None]


def _inverse(m: np.ndarray, theta: float, ws: float | None) -> np.ndarray:
    # b is in ms x GB so its value reads as "ms at 1 GB above the floor".
    return np.column_stack([_ones(m), MB_PER_GB / m])


def _exponential(m: np.ndarray, theta: float, ws: float | None) -> np.ndarray:
    return np.column_stack([_ones(m), np.exp(-m / theta)])


def _cpu(m: np.ndarray, theta: float, ws: float | None) -> np.ndarray:
    return np.column_stack([_ones(m), 1.0 / np.minimum(vcpu_share(m), 1.0)])


def _lambda(m: np.ndarray, theta: float, ws: float | None) -> np.ndarray:
    share = vcpu_share(m)
    return np.column_stack(
        [_ones(m), 1.0 / np.minimum(share, 1.0), 1.0 / np.minimum(share, theta), pressure(m, ws)]
    )


def _knee(m: np.ndarray, theta: float, ws: float | None) -> np.ndarray:
    return np.column_stack(
        [_ones(m), 1.0 / np.minimum(vcpu_share(m), theta), pressure(m, ws)]
    )


FORMS: dict[str, Form] = {
    "constant": Form("constant", "a", ("a_ms",), None, (0.0,), _constant),
    "inverse": Form("inverse", "a + b*1024/m", ("a_ms", "b_ms"), None, (0.0,), _inverse),
    "exponential": Form(
        "exponential",
        "a + b*exp(-m/c)",
        ("a_ms", "b_ms"),
        "c_mb",
        tuple(float(c) for c in np.geomspace(32.0, 16384.0, 48)),
        _exponential,
    ),
    "cpu": Form(
        "cpu", "io + serial/min(vcpu(m), 1)", ("io_ms", "serial_ms"), None, (0.0,), _cpu
    ),
    "lambda": Form(
        "lambda",
        "io + serial/min(vcpu(m),1) + parallel/min(vcpu(m),threads) + pressure*h(w/m)",
        ("io_ms", "serial_ms", "parallel_ms", "pressure_ms"),
        "threads",
        # 1 first so it wins ties (no evidence of parallelism); fractional values are a
        # thread that also waits on I/O and so never uses a whole vCPU.
        (1.0, *THREAD_GRID_BELOW_ONE, *(float(k) for k in range(2, int(MAX_VCPU) + 1))),
        _lambda,
    ),
    "knee": Form(
        "knee",
        "io + cpu/min(vcpu(m), knee) + pressure*h(w/m)",
        ("io_ms", "cpu_ms", "pressure_ms"),
        "knee_vcpu",
        # 1 first so it wins ties: a single thread, Lambda's knee at 1,769 MB.
        (1.0, *(k for k in KNEE_GRID if k != 1.0)),
        _knee,
    ),
}


@dataclass(frozen=True)
class FittedForm:
    """A form with its fitted ``theta`` and coefficients (extra linear features last).

    Outside ``measured_range`` its predictions are clipped to the :func:`physical_band` of the
    nearest measured size's fitted value; at or below ``free_below_mb`` (memory pressure or
    out-of-memory territory) slowing down more than the CPU ratio is real, so only the lower
    bound (more memory is never slower) applies there.
    """

    form: Form
    theta: float
    coef: np.ndarray
    working_set_mb: float | None
    measured_range: tuple[float, float] | None = None
    free_below_mb: float | None = None

    def design(self, memory_mb: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """The design matrix at ``memory_mb`` (plus extra linear feature columns)."""
        base = self.form.basis(np.asarray(memory_mb, dtype=float), self.theta, self.working_set_mb)
        return base if extra is None or extra.shape[1] == 0 else np.column_stack([base, extra])

    def predict(self, memory_mb: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """Mean latency (ms) at ``memory_mb``, within the physical band outside the measured range."""
        raw = self.design(memory_mb, extra) @ self.coef
        low, high = self.band(memory_mb, extra)
        return np.clip(raw, low, high)

    def band(
        self, memory_mb: np.ndarray, extra: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Allowed mean latency (ms) at ``memory_mb``: ``(0, inf)`` inside the measured range."""
        memory = np.asarray(memory_mb, dtype=float)
        if self.measured_range is None:
            return np.zeros_like(memory), np.full_like(memory, np.inf)
        ref_mb = np.clip(memory, *self.measured_range)
        ref_value = self.design(ref_mb, extra) @ self.coef
        low, high = physical_band(memory, ref_mb, ref_value)
        inside = ref_mb == memory
        low = np.where(inside, 0.0, low)
        high = np.where(inside, np.inf, high)
        if self.free_below_mb is not None:
            high = np.where(memory <= self.free_below_mb, np.inf, high)
        return low, high

    def within_band(self, memory_mb: np.ndarray, extra: np.ndarray | None = None) -> bool:
        """Whether the unclipped curve stays inside its physical band at every ``memory_mb``."""
        raw = self.design(memory_mb, extra) @ self.coef
        low, high = self.band(memory_mb, extra)
        slack = BAND_TOLERANCE * np.abs(raw)
        return bool(np.all((raw >= low - slack) & (raw <= high + slack)))

    def params(self, extra_names: Sequence[str] = ()) -> dict[str, float]:
        """Fitted parameters by name."""
        names = (*self.form.coef_names, *(f"{n}_coef" for n in extra_names))
        out = {n: float(c) for n, c in zip(names, self.coef, strict=True)}
        if self.form.theta_name is not None:
            out[self.form.theta_name] = float(self.theta)
        return out


def fit_form(
    form: Form,
    memory_mb: np.ndarray,
    mean_ms: np.ndarray,
    weight: np.ndarray,
    *,
    extra: np.ndarray | None = None,
    working_set_mb: float | None = None,
    free_below_mb: float | None = None,
    grid: Sequence[float] | None = None,
) -> FittedForm:
    """Fit ``form`` to group means by weighted NNLS, profiling ``theta`` over its grid.

    Args:
        form: The candidate form.
        memory_mb: Memory size of each group.
        mean_ms: Mean latency of each group.
        weight: Weight of each group's residual (``sqrt(count) / mean`` gives relative error).
        extra: Extra linear feature columns per group (e.g. package size), or None.
        working_set_mb: Working set used by the pressure term, if known.
        free_below_mb: Memory at or below which slowing down beyond the CPU ratio is real
            (memory pressure); the fit is bounded by :func:`physical_band` elsewhere outside
            the range of ``memory_mb``.
        grid: Values of ``theta`` to profile over instead of the form's own grid.

    Returns:
        The best fit over the grid (first of equal fits, so the simplest ``theta`` wins ties).
    """
    best: tuple[float, float, np.ndarray] | None = None
    for theta in form.grid if grid is None else grid:
        candidate = FittedForm(form, theta, np.zeros(0), working_set_mb)
        design = candidate.design(memory_mb, extra)
        coef, _ = nnls(design * weight[:, None], mean_ms * weight)
        sse = float(np.sum((weight * (design @ coef - mean_ms)) ** 2))
        if best is None or sse < best[0] * (1.0 - 1e-9):
            best = (sse, theta, coef)
    assert best is not None  # every form has a non-empty grid
    measured = (float(np.min(memory_mb)), float(np.max(memory_mb)))
    return FittedForm(form, best[1], best[2], working_set_mb, measured, free_below_mb)
