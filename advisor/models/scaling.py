"""Moving one function's measured requests to another memory size.

A function's requests ran at one memory size or several (memory settings change over time,
tuning measures a few). To replay them at another size, :class:`MemoryScaling` multiplies
each request's duration by the ratio of the :class:`DurationModel`'s mean durations at the
target size and at the size the request ran at, so a trace keeps its request-to-request
variation in proportion to the mean; and each cold start's init duration by the ratio of the
:class:`ColdStartModel`'s means, when the samples hold cold starts at two or more sizes
(otherwise init durations are kept as measured and :attr:`MemoryScaling.init_note` says why).

Both models are fitted once per function and data: :func:`memory_scaling` keeps the fitted
object in a process-wide cache keyed by the function, its memory sizes and a fingerprint of
the samples, so every caller that moves the same requests gets the same figures.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.models.coldstart import ColdStartFit, ColdStartModel, fit_cold_starts
from advisor.models.duration import DurationModel
from advisor.models.samples import one_architecture, require_two_sizes
from advisor.platform.aws_lambda import DEFAULT_ARCH, MEMORY, check_memory_mb

#: Invocations per memory size that fit the duration model; beyond it a seeded random
#: subset (a size's mean is known to well under 1% from that many).
MAX_SAMPLES_PER_SIZE = 5_000
#: Fitted scalings the process keeps (least recently used dropped first).
CACHE_ENTRIES = 32
#: Columns of a sample table that decide the fit, in fingerprint order.
FIT_COLUMNS = ("memory_mb", "duration_ms", "init_ms", "max_memory_used_mb", "package_mb")


class MemoryScaling:
    """One function's duration and cold-start models, for moving requests to another memory.

    Build it with :meth:`fit` (or, cached, :func:`memory_scaling`).

    Attributes:
        function: Name used in messages.
        measured_mb: Memory sizes the samples ran at (ascending).
        duration_model: The fitted :class:`DurationModel`.
        coldstart_model: The fitted :class:`ColdStartModel`, or None (see ``init_note``).
        init_note: Why init durations are kept as measured; None when they are rescaled.
    """

    def __init__(
        self,
        function: str,
        measured_mb: tuple[int, ...],
        duration_model: DurationModel,
        coldstart: ColdStartFit,
        package_mb: float | None = None,
    ) -> None:
        self.function = function
        self.measured_mb = measured_mb
        self.duration_model = duration_model
        self.coldstart_model = coldstart.model
        self.init_note = coldstart.reason
        self._package_mb = package_mb
        self._means: dict[str, dict[float, float]] = {"duration": {}, "init": {}}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        del state["_lock"]  # a lock cannot be pickled (e.g. sent to a worker process)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @classmethod
    def fit(
        cls,
        samples: pd.DataFrame,
        *,
        function: str = "the samples",
        architecture: str | None = None,
        random_state: int = 0,
    ) -> MemoryScaling:
        """Fit the duration and cold-start models to one function's samples (uncached).

        Args:
            samples: One row per request: ``memory_mb``, ``duration_ms``, ``init_ms`` (NaN
                for warm requests; optional), ``max_memory_used_mb`` and ``package_mb``
                (optional), ``architecture`` (optional). Rows without a memory size or with
                a duration that is not positive cannot inform the fit and are left out of it.
            function: The function's name, for messages.
            architecture: Which architecture's rows to fit when the samples mix several.
            random_state: Seed of the subsample, the bootstrap and the predictive draws.

        Raises:
            InputError: Missing columns, fewer than two memory sizes, several architectures
                and no ``architecture`` given, or samples the model cannot use.
            UsageError: ``architecture`` names none of the samples' architectures.
        """
        usable = _usable_samples(samples, function, architecture)
        require_two_sizes(usable, f"function {function!r}")
        fitted = _cap_per_size(usable, random_state)
        features = [c for c in ("memory_mb", "max_memory_used_mb") if c in fitted.columns]
        try:
            duration = DurationModel(random_state=random_state).fit(
                fitted[features], fitted["duration_ms"]
            )
            coldstart = fit_cold_starts(usable, random_state)
        except ValueError as exc:  # values a reader let through but a model cannot use
            raise InputError(f"cannot fit the models of function {function!r}: {exc}.") from exc
        measured = tuple(int(m) for m in np.unique(usable["memory_mb"]))
        package = None
        if coldstart.model is not None and "package_mb" in usable.columns:
            cold = usable[usable["init_ms"] > 0]["package_mb"].dropna()
            package = float(cold.median()) if len(cold) else None
        return cls(function, measured, duration, coldstart, package)

    @property
    def rescales_init(self) -> bool:
        """Whether init durations are rescaled (a cold-start model could be fitted)."""
        return self.coldstart_model is not None

    def duration_ratio(self, from_memory_mb: object, to_memory_mb: int) -> np.ndarray:
        """Mean duration at ``to_memory_mb`` over the mean at each ``from_memory_mb``."""
        return self._ratio("duration", from_memory_mb, to_memory_mb)

    def init_ratio(self, from_memory_mb: object, to_memory_mb: int) -> np.ndarray:
        """Mean init duration at ``to_memory_mb`` over the mean at each ``from_memory_mb``.

        All ones when there is no cold-start model (:attr:`init_note` says why).
        """
        if self.coldstart_model is None:
            sizes = _request_sizes(from_memory_mb)
            _check_target(to_memory_mb)
            return np.ones(sizes.shape)
        return self._ratio("init", from_memory_mb, to_memory_mb)

    def rescale_durations(
        self, duration_ms: object, from_memory_mb: object, to_memory_mb: int
    ) -> np.ndarray:
        """Durations (ms) measured at ``from_memory_mb`` (one size, or one per request),
        moved to ``to_memory_mb``; a request already at ``to_memory_mb`` is unchanged.

        Raises:
            InputError: A request's memory size is unknown or not a Lambda memory size.
            UsageError: ``to_memory_mb`` is not a Lambda memory size.
        """
        durations = np.asarray(duration_ms, dtype=float)
        return durations * self.duration_ratio(from_memory_mb, to_memory_mb)

    def rescale_init(self, init_ms: object, from_memory_mb: object, to_memory_mb: int) -> np.ndarray:
        """Init durations (ms; NaN for warm requests, kept NaN) moved to ``to_memory_mb``.

        Kept as measured when there is no cold-start model (see :attr:`init_note`).

        Raises:
            InputError: A request's memory size is unknown or not a Lambda memory size.
            UsageError: ``to_memory_mb`` is not a Lambda memory size.
        """
        init = np.asarray(init_ms, dtype=float)
        return init * self.init_ratio(from_memory_mb, to_memory_mb)

    def rescale(self, requests: pd.DataFrame, to_memory_mb: int) -> pd.DataFrame:
        """``requests`` (``memory_mb``, ``duration_ms``, optional ``init_ms``) moved to
        ``to_memory_mb``: a copy with those columns rescaled and ``memory_mb`` set to it."""
        moved = requests.copy()
        sizes = requests["memory_mb"].to_numpy(dtype=float, na_value=np.nan)
        moved["duration_ms"] = self.rescale_durations(requests["duration_ms"], sizes, to_memory_mb)
        if "init_ms" in requests.columns:
            init = requests["init_ms"].to_numpy(dtype=float, na_value=np.nan)
            moved["init_ms"] = self.rescale_init(init, sizes, to_memory_mb)
        moved["memory_mb"] = to_memory_mb
        return moved

    def _ratio(self, kind: str, from_memory_mb: object, to_memory_mb: int) -> np.ndarray:
        sizes = _request_sizes(from_memory_mb)
        target = float(_check_target(to_memory_mb))
        distinct, index = np.unique(sizes, return_inverse=True)
        means = self._mean_at(kind, np.append(distinct, target))
        return (means[-1] / means[:-1])[index].reshape(sizes.shape)

    def _mean_at(self, kind: str, sizes: np.ndarray) -> np.ndarray:
        """The model's mean at each size, each size computed once per object."""
        with self._lock:
            known = self._means[kind]
            missing = [float(m) for m in np.unique(sizes) if float(m) not in known]
            if missing:
                grid = pd.DataFrame({"memory_mb": missing})
                model: DurationModel | ColdStartModel | None = self.duration_model
                if kind == "init":
                    model = self.coldstart_model
                    if self._package_mb is not None:
                        grid["package_mb"] = self._package_mb
                assert model is not None  # init_ratio answers without a cold-start model
                known.update(zip(missing, model.predict(grid).tolist(), strict=True))
            return np.array([known[float(m)] for m in sizes])


@dataclass(frozen=True)
class CacheInfo:
    """How a :class:`ScalingCache` has been used: ``misses`` counts the fits."""

    hits: int
    misses: int
    entries: int


class ScalingCache:
    """Fitted :class:`MemoryScaling` objects by function, memory sizes and data fingerprint.

    Args:
        max_entries: Scalings kept; the least recently used is dropped beyond that.
    """

    def __init__(self, max_entries: int = CACHE_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, MemoryScaling] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(
        self,
        samples: pd.DataFrame,
        *,
        function: str,
        architecture: str | None = None,
        random_state: int = 0,
    ) -> MemoryScaling:
        """The scaling of these samples, fitted on first use (see :meth:`MemoryScaling.fit`)."""
        key = (function, architecture, random_state, *fingerprint(samples))
        with self._lock:  # one fit per key, even when threads ask at once
            if key in self._entries:
                self._hits += 1
                self._entries.move_to_end(key)
                return self._entries[key]
            self._misses += 1
            scaling = MemoryScaling.fit(
                samples, function=function, architecture=architecture, random_state=random_state
            )
            self._entries[key] = scaling
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            return scaling

    def info(self) -> CacheInfo:
        """Hits, misses (fits) and entries so far."""
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._entries))

    def clear(self) -> None:
        """Forget every scaling and the counts."""
        with self._lock:
            self._entries.clear()
            self._hits = self._misses = 0


#: The process-wide cache behind :func:`memory_scaling`.
SCALING_CACHE = ScalingCache()


def memory_scaling(
    samples: pd.DataFrame,
    *,
    function: str,
    architecture: str | None = None,
    random_state: int = 0,
) -> MemoryScaling:
    """The :class:`MemoryScaling` of one function's samples, fitted once per process.

    The same function, memory sizes and data (by fingerprint) give the same object.

    Raises:
        InputError: As :meth:`MemoryScaling.fit`.
        UsageError: As :meth:`MemoryScaling.fit`.
    """
    return SCALING_CACHE.get(
        samples, function=function, architecture=architecture, random_state=random_state
    )


def fingerprint(samples: pd.DataFrame) -> tuple[tuple[int, ...], str]:
    """The memory sizes of ``samples`` and a digest of the columns that decide a fit."""
    digest = hashlib.blake2b(digest_size=16)
    for column in (*FIT_COLUMNS, "architecture"):
        if column not in samples.columns:
            continue
        digest.update(column.encode())
        values = samples[column]
        if column == "architecture":
            digest.update("\0".join(values.fillna("").astype(str)).encode())
        else:
            digest.update(np.ascontiguousarray(values.to_numpy(dtype=float, na_value=np.nan)).tobytes())
    sizes = samples["memory_mb"].dropna().unique() if "memory_mb" in samples.columns else []
    return tuple(sorted(int(m) for m in sizes)), digest.hexdigest()


def _usable_samples(
    samples: pd.DataFrame, function: str, architecture: str | None
) -> pd.DataFrame:
    missing = [c for c in ("memory_mb", "duration_ms") if c not in samples.columns]
    if missing:
        raise InputError(
            f"the samples of function {function!r} lack column(s) {', '.join(missing)}.",
            hint="Give one row per request with memory_mb and duration_ms (init_ms optional).",
        )
    if "architecture" in samples.columns:
        found = sorted(samples["architecture"].dropna().astype(str).unique())
        if architecture is None and len(found) > 1:
            raise InputError(
                f"function {function!r} ran on several architectures ({', '.join(found)}); "
                "their durations follow different curves.",
                hint="Name the architecture to rescale for, or select that architecture's requests.",
            )
        samples = one_architecture(samples, architecture or (found[0] if found else DEFAULT_ARCH))
    columns = [c for c in FIT_COLUMNS if c in samples.columns]
    usable = samples[columns]
    keep = usable["memory_mb"].notna() & (usable["duration_ms"] > 0)
    return usable[keep.to_numpy()].astype(float)


def _cap_per_size(samples: pd.DataFrame, random_state: int) -> pd.DataFrame:
    """At most :data:`MAX_SAMPLES_PER_SIZE` rows per memory size (a seeded random subset)."""
    counts = samples["memory_mb"].value_counts()
    if counts.max() <= MAX_SAMPLES_PER_SIZE:
        return samples
    rng = np.random.default_rng(random_state)
    keep = [
        rows if len(rows) <= MAX_SAMPLES_PER_SIZE
        else rng.choice(rows, MAX_SAMPLES_PER_SIZE, replace=False)
        for rows in samples.groupby("memory_mb").indices.values()
    ]
    return samples.iloc[np.sort(np.concatenate(keep))]


def _request_sizes(from_memory_mb: object) -> np.ndarray:
    """The memory size each request ran at, checked: whole MB within Lambda's range."""
    sizes = np.asarray(from_memory_mb, dtype=float)
    unknown = ~np.isfinite(sizes)
    if unknown.any():
        raise InputError(
            f"{int(unknown.sum())} request(s) have no memory size to rescale from.",
            hint="Fill them with the memory size the function was configured with.",
        )
    bad = sizes[MEMORY.outside(sizes)]
    if bad.size:
        raise InputError(
            f"memory_mb {bad.flat[0]:g} of a request is not a whole number within {MEMORY.range_text()}.",
            hint="Fix or remove that request.",
        )
    return sizes


def _check_target(to_memory_mb: int) -> int:
    return check_memory_mb(to_memory_mb, option="memory size")
