"""The execution side of the served function: one pool of local sandboxes per configuration.

Lambda never reuses an execution environment across configurations: a published version
has its own, and any update of ``$LATEST`` gives fresh ones. So each configuration (keyed
by its ``RevisionId``) runs in its own :class:`~advisor.targets.local.LocalTarget`, at its
own memory size (memory limit and CPU share), timeout and environment variables. A pool
that is no longer live (``$LATEST`` was updated, a version was deleted) is closed once its
invocations in flight have finished.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import TargetError
from advisor.targets import lambda_log
from advisor.targets._environment import Environment
from advisor.targets.lambda_api.registry import FunctionConfig
from advisor.targets.local import LocalTarget


class Sandbox(LocalTarget):
    """A LocalTarget that runs one configuration of the served function.

    Args:
        handler: the handler spec.
        config: the configuration it runs (memory, timeout, variables, version).
        **options: the remaining :class:`LocalTarget` arguments (function name, keep-alive,
            concurrency, isolation).
    """

    def __init__(self, handler: str, config: FunctionConfig, **options: Any) -> None:
        super().__init__(handler, memory_mb=config.memory_mb, timeout_s=float(config.timeout_s), **options)
        self.config = config

    def _new_environment(self) -> Environment:
        environment = super()._new_environment()
        environment.env.update(self.config.variables)
        environment.env["AWS_LAMBDA_FUNCTION_VERSION"] = self.config.version
        # Lambda names a version's log streams after it: 2024/05/01/[3]<hex>
        environment.log_stream = environment.log_stream.replace(f"[{lambda_log.VERSION}]",
                                                                f"[{self.config.version}]", 1)
        return environment

    def prewarm(self, count: int) -> int:
        """Start environments (their init runs now) until ``count`` exist; they never expire.

        Provisioned concurrency: the environments initialise before any request, so the
        requests they serve have no Init Duration.

        Returns:
            How many environments are warm.

        Raises:
            ThrottledError: ``count`` is over this sandbox's concurrency limit.
            TargetError: the handler failed to initialise.
        """
        self.configure(self.memory_mb, keep_alive_s=math.inf)
        acquired: list[tuple[Environment, bool]] = []
        try:
            while len(acquired) < count:
                acquired.append(self._acquire())
            for environment, cold in acquired:
                if cold:
                    _, failure = self._initialise(environment, [])
                    if failure is not None:
                        raise TargetError(f"the handler did not initialise: {failure.value}")
        except BaseException:
            for environment, _ in acquired:
                environment.dead = True
            raise
        finally:
            for environment, _ in acquired:
                self._release(environment)
        return self.workers

    def unprovision(self, keep_alive_s: float) -> None:
        """Back to on demand: idle environments expire after ``keep_alive_s`` again."""
        self.configure(self.memory_mb, keep_alive_s=keep_alive_s)

    def discard_idle(self) -> None:
        """Stop the idle environments, as Lambda replaces one after a timeout or running out of memory."""
        self._stop_all()


@dataclass
class _Pool:
    sandbox: Sandbox
    users: int = 0
    retired: bool = False


@dataclass
class Sandboxes:
    """The pools of sandboxes of one function, keyed by configuration (``RevisionId``).

    Args:
        handler: the handler spec.
        function_name: the name the handler sees.
        keep_alive_s: an idle environment is stopped after this.
        max_concurrency: most environments per pool.
        isolation: the LocalTarget isolation (``auto``, ``cgroup``, ``none``).
    """

    handler: str
    function_name: str
    keep_alive_s: float
    max_concurrency: int
    isolation: str = "auto"
    _pools: dict[str, _Pool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def lease(self, config: FunctionConfig) -> Iterator[Sandbox]:
        """The sandbox of ``config`` for one invocation (made on first use)."""
        with self._lock:
            pool = self._pools.get(config.revision_id)
            if pool is None:
                pool = self._pools[config.revision_id] = _Pool(self._make(config))
            pool.users += 1
        try:
            yield pool.sandbox
        finally:
            with self._lock:
                pool.users -= 1
                done = pool.retired and pool.users == 0
            if done:
                pool.sandbox.close()

    def retire(self, revision_ids: list[str]) -> None:
        """Close the pools of configurations that are gone, once their invocations finish."""
        closing = []
        with self._lock:
            for revision_id in revision_ids:
                pool = self._pools.pop(revision_id, None)
                if pool is None:
                    continue
                pool.retired = True
                if pool.users == 0:
                    closing.append(pool.sandbox)
        for sandbox in closing:
            sandbox.close()

    def retire_others(self, version: str, live: str) -> None:
        """Retire ``version``'s pools other than the one of revision ``live`` (``$LATEST`` was updated)."""
        with self._lock:
            stale = [key for key, pool in self._pools.items()
                     if pool.sandbox.config.version == version and key != live]
        self.retire(stale)

    def workers(self) -> dict[str, int]:
        """Environments per configuration now (RevisionId -> count)."""
        with self._lock:
            return {key: pool.sandbox.workers for key, pool in self._pools.items()}

    def describe(self) -> dict[str, Any] | None:
        """How the sandboxes measure (CPU and memory limits) as LocalTarget describes it; None before any runs."""
        with self._lock:
            pools = list(self._pools.values())
        return pools[0].sandbox.describe() if pools else None

    def close(self) -> None:
        """Close every pool (in-flight invocations end)."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.sandbox.close()

    def _make(self, config: FunctionConfig) -> Sandbox:
        return Sandbox(self.handler, config, function_name=self.function_name, keep_alive_s=self.keep_alive_s,
                       max_concurrency=self.max_concurrency, isolation=self.isolation)

