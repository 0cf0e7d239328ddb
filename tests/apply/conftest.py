"""A live function for ``advisor apply``: Lambda served by ``advisor local serve`` (the emulator) and
Application Auto Scaling by a real moto server, both on 127.0.0.1 (AWS is never called).

The emulator keeps Lambda's rules for versions, aliases, RevisionIds and provisioned
concurrency; moto has Application Auto Scaling (its Lambda has no provisioned concurrency).
botocore's per-service endpoint variables send each client to its server, as a user with a
local stack would (``AWS_ENDPOINT_URL_LAMBDA``, ``AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING``).
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest

from advisor.platform.aws_lambda import ARCHITECTURES, architecture_of
from advisor.targets.lambda_api import serve_local

REPO = Path(__file__).resolve().parents[2]
HANDLER = f"{REPO / 'tests' / 'targets' / 'handlers.py'}:echo"
FUNCTION = "captioner"
REGION = "us-east-1"
ALIAS = "live"
LAMBDA_ENV, SCALING_ENV = "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING"
RESOURCE = f"function:{FUNCTION}:{ALIAS}"
DIMENSION = "lambda:function:ProvisionedConcurrency"
#: The served function's architecture (this machine's, as the emulator reports it) and the other one.
NATIVE = architecture_of(platform.machine())
OTHER = next(a for a in ARCHITECTURES if a != NATIVE)


@dataclass(frozen=True)
class Live:
    """The two servers of one test."""

    lambda_url: str
    scaling_url: str

    def env(self) -> dict[str, str]:
        """The variables that point boto3 at them."""
        return {LAMBDA_ENV: self.lambda_url, SCALING_ENV: self.scaling_url}

    def lam(self) -> Any:
        return boto3.client("lambda", region_name=REGION, endpoint_url=self.lambda_url)

    def aas(self) -> Any:
        return boto3.client("application-autoscaling", region_name=REGION, endpoint_url=self.scaling_url)

    def deploy(self, *, alias: str = ALIAS) -> str:
        """Publish $LATEST and point ``alias`` at it, as a deployment does; the version."""
        version = self.lam().publish_version(FunctionName=FUNCTION)["Version"]
        self.lam().create_alias(FunctionName=FUNCTION, Name=alias, FunctionVersion=version)
        return version

    def state(self) -> dict[str, Any]:
        """Everything apply may change, as a caller or an operator sees it."""
        lam, aas = self.lam(), self.aas()
        conf = lam.get_function_configuration(FunctionName=FUNCTION)
        targets = aas.describe_scalable_targets(ServiceNamespace="lambda")["ScalableTargets"]
        actions = aas.describe_scheduled_actions(ServiceNamespace="lambda")["ScheduledActions"]
        return {
            "memory_mb": conf["MemorySize"], "architecture": conf["Architectures"], "code": conf["CodeSha256"],
            "environment": (conf.get("Environment") or {}).get("Variables"),
            "versions": sorted((v["Version"], v["MemorySize"], v.get("Description", ""), v["Architectures"][0])
                               for v in lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]),
            "aliases": sorted((a["Name"], a["FunctionVersion"], str(a.get("RoutingConfig")))
                              for a in lam.list_aliases(FunctionName=FUNCTION)["Aliases"]),
            "provisioned": sorted((p["FunctionArn"].rsplit(":", 1)[-1], p["RequestedProvisionedConcurrentExecutions"])
                                  for p in lam.list_provisioned_concurrency_configs(
                                      FunctionName=FUNCTION)["ProvisionedConcurrencyConfigs"]),
            "scalable_targets": sorted((t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets),
            "scheduled_actions": sorted((a["ScheduledActionName"], a["Schedule"], a.get("Timezone"),
                                         a["ScalableTargetAction"].get("MinCapacity"),
                                         a["ScalableTargetAction"].get("MaxCapacity")) for a in actions),
        }

    def schedule(self, actions: dict[str, tuple[str, int, int]], *, minimum: int = 0, maximum: int = 9) -> None:
        """Register the alias and put ``actions`` (name -> cron, min, max): an operator's own schedule."""
        aas = self.aas()
        aas.register_scalable_target(ServiceNamespace="lambda", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
                                     MinCapacity=minimum, MaxCapacity=maximum)
        for name, (cron, low, high) in actions.items():
            aas.put_scheduled_action(ServiceNamespace="lambda", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
                                     ScheduledActionName=name, Schedule=cron,
                                     ScalableTargetAction={"MinCapacity": low, "MaxCapacity": high})


@pytest.fixture
def live(moto_url: str, fake_aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Live]]:
    """``live(memory_mb=..., **emulator options) -> Live``: a served function and a reset moto, with
    the endpoint variables set for this process (and its children, through ``Live.env``)."""
    urlopen(Request(f"{moto_url}/moto-api/reset", method="POST")).read()
    with ExitStack() as stack:
        def start(**options: Any) -> Live:
            options.setdefault("memory_mb", 1024)
            options.setdefault("environment", {"MODEL": "resnet"})
            server = stack.enter_context(serve_local(HANDLER, function_name=FUNCTION, **options))
            served = Live(server.endpoint_url, moto_url)
            for name, value in served.env().items():
                monkeypatch.setenv(name, value)
            return served

        yield start
