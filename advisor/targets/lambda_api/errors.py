"""The Lambda API's errors, in the shape botocore parses.

Lambda answers a failed call with the error code in the ``x-amzn-ErrorType`` header and a
JSON body ``{"Type": "User", "message": "..."}`` (``Type`` is ``Service`` for its own
faults); botocore reads the code from the header and the message from the body, and turns
modelled members (``retryAfterSeconds``, ``Reason``) into fields of the ``ClientError``.
The status codes are those of botocore's service model (``lambda/2015-03-31``).
"""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """A Lambda API error: ``status`` and ``code`` as AWS sends them, ``message`` for people.

    Args:
        status: the HTTP status code.
        code: the error code (the exception shape's name, e.g. ``ResourceNotFoundException``).
        message: the message Lambda would give.
        fields: extra members of the error body (``retryAfterSeconds``, ``Reason``).
        headers: extra response headers (``Retry-After``).
    """

    def __init__(self, status: int, code: str, message: str, *, fields: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}

    def body(self) -> bytes:
        """The JSON body: ``Type`` (User or Service), ``message`` and the extra members."""
        kind = "Service" if self.status >= 500 else "User"
        return json.dumps({"Type": kind, "message": self.message, **self.fields}).encode()


def not_found(message: str) -> ApiError:
    """404 ResourceNotFoundException: no such function, version or alias."""
    return ApiError(404, "ResourceNotFoundException", message)


def invalid_parameter(message: str) -> ApiError:
    """400 InvalidParameterValueException: a value Lambda refuses."""
    return ApiError(400, "InvalidParameterValueException", message)


def validation(message: str) -> ApiError:
    """400 ValidationException: a value outside the API model's constraints."""
    return ApiError(400, "ValidationException", message)


def invalid_content(message: str) -> ApiError:
    """400 InvalidRequestContentException: a body that is not JSON."""
    return ApiError(400, "InvalidRequestContentException", message)


def conflict(message: str) -> ApiError:
    """409 ResourceConflictException: exists already, or an update is in progress."""
    return ApiError(409, "ResourceConflictException", message)


def precondition_failed(message: str) -> ApiError:
    """412 PreconditionFailedException: the RevisionId given is not the current one."""
    return ApiError(412, "PreconditionFailedException", message)


def request_too_large(message: str) -> ApiError:
    """413 RequestTooLargeException: an invoke payload over Lambda's limit."""
    return ApiError(413, "RequestTooLargeException", message)


def request_entity_too_large(message: str) -> ApiError:
    """413 RequestEntityTooLargeException: a request body (a ZipFile) over Lambda's limit."""
    return ApiError(413, "RequestEntityTooLargeException", message)


def too_many_requests(reason: str, retry_after_s: int = 1) -> ApiError:
    """429 TooManyRequestsException with ``retryAfterSeconds`` and Lambda's ``Reason``."""
    return ApiError(429, "TooManyRequestsException", "Rate Exceeded.",
                    fields={"retryAfterSeconds": str(retry_after_s), "Reason": reason},
                    headers={"Retry-After": str(retry_after_s)})


def provisioned_not_found(message: str) -> ApiError:
    """404 ProvisionedConcurrencyConfigNotFoundException."""
    return ApiError(404, "ProvisionedConcurrencyConfigNotFoundException", message)


def service(message: str) -> ApiError:
    """500 ServiceException: the emulator itself failed."""
    return ApiError(500, "ServiceException", message)


def unknown_operation(method: str, path: str) -> ApiError:
    """404 UnknownOperationException: no Lambda API call has this method and path."""
    return ApiError(404, "UnknownOperationException", f"no Lambda API operation is {method} {path}")
