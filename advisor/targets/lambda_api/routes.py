"""The Lambda REST API's routes: method and path (botocore's ``requestUri``) to the operation.

Each route reads its parameters where botocore puts them (the function name in the path,
``Qualifier`` in the query, the rest in a JSON body or headers) and answers with the status
code of the operation (201 for PublishVersion and CreateAlias, 202 for
PutProvisionedConcurrencyConfig, 204 for deletes). Paths under ``/_advisor/`` are the
emulator's own admin endpoint: ``faults`` (GET, or PUT a JSON object to change what is
injected), ``state``, ``invocations`` and ``code/<sha256 hex>`` (a package: GetFunction's
``Code.Location`` points there, as Lambda's points to a pre-signed S3 URL).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from advisor.errors import UsageError
from advisor.targets.lambda_api import errors, shapes
from advisor.targets.lambda_api.emulator import CODE_PATH, Emulator
from advisor.targets.lambda_api.faults import Faults
from advisor.targets.lambda_api.invoker import Answer

ADMIN = "/_advisor"


@dataclass(frozen=True)
class Request:
    """One API request: its path parameters, query, headers and body."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (400 InvalidRequestContentException otherwise)."""
        if not self.body.strip():
            return {}
        try:
            document = json.loads(self.body)
        except ValueError as exc:
            raise errors.invalid_content(f"Could not parse request body into json: {exc}") from None
        if not isinstance(document, dict):
            raise errors.invalid_content("Could not parse request body into json: not an object")
        return document


Operation = Callable[[Emulator, Request], Answer]


def _json(status: int, document: Any) -> Answer:
    return Answer(status, json.dumps(document).encode(), {"Content-Type": "application/json"})


def _qualifier(emulator: Emulator, request: Request) -> str | None:
    return emulator.registry.check(request.params["name"], request.query.get("Qualifier"))


def get_function(emulator: Emulator, request: Request) -> Answer:
    base_url = f"http://{request.headers.get('Host') or 'localhost'}"
    return _json(200, emulator.function(_qualifier(emulator, request), base_url))


def update_code(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(200, emulator.update_code(request.json()))


def get_layer_version(emulator: Emulator, request: Request) -> Answer:
    return _json(200, emulator.layer_version(request.params["layer"], request.params["number"]))


def delete_function(emulator: Emulator, request: Request) -> Answer:
    emulator.delete(_qualifier(emulator, request))
    return Answer(204)


def get_configuration(emulator: Emulator, request: Request) -> Answer:
    return _json(200, emulator.configuration(_qualifier(emulator, request)))


def update_configuration(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(200, emulator.update(request.json()))


def publish_version(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(201, emulator.publish(request.json()))


def list_versions(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(200, shapes.page(emulator.versions(), "Versions", request.query.get("Marker"),
                                  request.query.get("MaxItems")))


def invoke(emulator: Emulator, request: Request) -> Answer:
    return emulator.invoke(_qualifier(emulator, request), request.body, request.headers)


def create_alias(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(201, emulator.create_alias(request.json()))


def list_aliases(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(200, shapes.page(emulator.aliases(request.query.get("FunctionVersion")), "Aliases",
                                  request.query.get("Marker"), request.query.get("MaxItems")))


def get_alias(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(200, shapes.alias_configuration(emulator.registry, emulator.registry.alias(request.params["alias"])))


def update_alias(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    return _json(200, emulator.update_alias(request.params["alias"], request.json()))


def delete_alias(emulator: Emulator, request: Request) -> Answer:
    emulator.registry.check(request.params["name"], None)
    emulator.registry.delete_alias(request.params["alias"])
    return Answer(204)


def put_provisioned(emulator: Emulator, request: Request) -> Answer:
    requested = request.json().get("ProvisionedConcurrentExecutions")
    if not isinstance(requested, int):
        raise errors.validation("1 validation error detected: Value null at 'provisionedConcurrentExecutions' "
                                "failed to satisfy constraint: Member must not be null")
    entry = emulator.provision(_qualifier(emulator, request), requested)
    return _json(202, shapes.provisioned_configuration(emulator.registry, entry))


def get_provisioned(emulator: Emulator, request: Request) -> Answer:
    if request.query.get("List") == "ALL":
        emulator.registry.check(request.params["name"], None)
        items = [shapes.provisioned_configuration(emulator.registry, entry, with_arn=True)
                 for entry in emulator.registry.all_provisioned()]
        return _json(200, shapes.page(items, "ProvisionedConcurrencyConfigs", request.query.get("Marker"),
                                      request.query.get("MaxItems")))
    entry = emulator.registry.get_provisioned(_qualifier(emulator, request))
    return _json(200, shapes.provisioned_configuration(emulator.registry, entry))


def delete_provisioned(emulator: Emulator, request: Request) -> Answer:
    emulator.unprovision(_qualifier(emulator, request))
    return Answer(204)


def account_settings(emulator: Emulator, request: Request) -> Answer:
    return _json(200, emulator.account_settings())


def admin_faults(emulator: Emulator, request: Request) -> Answer:
    if request.body.strip():
        try:
            emulator.injector.set(Faults.from_dict(request.json()))
        except (UsageError, TypeError) as exc:
            raise errors.invalid_parameter(str(exc)) from None
    return _json(200, emulator.injector.faults.to_dict())


def admin_state(emulator: Emulator, request: Request) -> Answer:
    return _json(200, emulator.state())


def admin_code(emulator: Emulator, request: Request) -> Answer:
    return Answer(200, emulator.package(request.params["digest"]), {"Content-Type": "application/zip"})


def admin_invocations(emulator: Emulator, request: Request) -> Answer:
    return _json(200, {"Invocations": list(emulator.invoker.history)})


_FUNCTION = r"/2015-03-31/functions/(?P<name>[^/]+)"
_PROVISIONED = r"/2019-09-30/functions/(?P<name>[^/]+)/provisioned-concurrency"
ROUTES: tuple[tuple[str, re.Pattern[str], Operation], ...] = tuple(
    (method, re.compile(pattern + "/?"), operation) for method, pattern, operation in (
        ("GET", _FUNCTION, get_function),
        ("DELETE", _FUNCTION, delete_function),
        ("GET", _FUNCTION + "/configuration", get_configuration),
        ("PUT", _FUNCTION + "/configuration", update_configuration),
        ("PUT", _FUNCTION + "/code", update_code),
        ("POST", _FUNCTION + "/versions", publish_version),
        ("GET", _FUNCTION + "/versions", list_versions),
        ("POST", _FUNCTION + "/invocations", invoke),
        ("POST", _FUNCTION + "/aliases", create_alias),
        ("GET", _FUNCTION + "/aliases", list_aliases),
        ("GET", _FUNCTION + "/aliases/(?P<alias>[^/]+)", get_alias),
        ("PUT", _FUNCTION + "/aliases/(?P<alias>[^/]+)", update_alias),
        ("DELETE", _FUNCTION + "/aliases/(?P<alias>[^/]+)", delete_alias),
        ("PUT", _PROVISIONED, put_provisioned),
        ("GET", _PROVISIONED, get_provisioned),
        ("DELETE", _PROVISIONED, delete_provisioned),
        ("GET", r"/2016-08-19/account-settings", account_settings),
        ("GET", r"/2018-10-31/layers/(?P<layer>[^/]+)/versions/(?P<number>[0-9]+)", get_layer_version),
        ("GET", ADMIN + "/faults", admin_faults),
        ("PUT", ADMIN + "/faults", admin_faults),
        ("GET", ADMIN + "/state", admin_state),
        ("GET", ADMIN + "/invocations", admin_invocations),
        ("GET", CODE_PATH + "(?P<digest>[0-9a-f]{64})", admin_code),
    ))


def route(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The operation of ``method`` ``path`` and its path parameters (URL-decoded).

    Raises:
        ApiError: no operation has this method and path (404 UnknownOperationException).
    """
    for verb, pattern, operation in ROUTES:
        found = pattern.fullmatch(path)
        if found and verb == method:
            return operation, {k: unquote(v) for k, v in found.groupdict().items()}
    raise errors.unknown_operation(method, path)
