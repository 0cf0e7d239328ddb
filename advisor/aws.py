"""AWS access shared by every part that calls AWS: sessions, clients, retries and errors.

One place sets up boto3 (profile, region, endpoint for a local moto server, adaptive retries)
and turns its failures into advisor errors that say what to do. The CloudWatch import, the
price refresh and the tuner's AWS target all use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal

from advisor.errors import NotFoundError, RemoteError, TargetError

if TYPE_CHECKING:  # boto3 is slow to import: only the commands that call AWS load it
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

#: botocore's adaptive mode: client-side rate limiting plus exponential backoff on throttling.
RETRY_MODE: Final = "adaptive"
MAX_ATTEMPTS: Final = 10
NOT_FOUND_CODES: Final = ("ResourceNotFoundException", "ResourceNotFound",
                           "ProvisionedConcurrencyConfigNotFoundException")
DENIED_CODES: Final = ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation")
CREDENTIAL_CODES: Final = ("UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException",
                           "ExpiredToken")
#: Seconds between a waiter's polls, and how long it waits for an update at most.
WAIT_POLL_S: Final = 1
WAIT_LIMIT_S: Final = 300
THROTTLE_CODES: Final = ("ThrottlingException", "TooManyRequestsException", "LimitExceededException")


def retry_config(max_attempts: int = MAX_ATTEMPTS, read_timeout_s: float | None = None) -> Config:
    """The retry policy of every client advisor makes.

    Args:
        max_attempts: Attempts per request, the first included (throttling is retried with
            backoff until then).
        read_timeout_s: How long to wait for a response (None: botocore's 60 s); an invoke
            must wait for the function's own timeout.
    """
    from botocore.config import Config

    timeouts = {} if read_timeout_s is None else {"read_timeout": read_timeout_s}
    return Config(retries={"mode": RETRY_MODE, "max_attempts": max_attempts}, **timeouts)


def clients(
    services: tuple[str, ...],
    *,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    session: boto3.Session | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    read_timeout_s: float | None = None,
) -> tuple[Any, ...]:
    """boto3 clients for ``services`` (``"lambda"``, ``"logs"``, ``"pricing"``...), one session.

    Args:
        services: Service names, in the order the clients are returned.
        region: AWS region (default: the profile's or the environment's).
        profile: Named profile from ~/.aws/config.
        endpoint_url: Another endpoint (a local moto server, ``advisor local serve`` in tests).
        session: A boto3 session to use instead of making one (then region/profile are its own).
        max_attempts: See :func:`retry_config`.
        read_timeout_s: See :func:`retry_config`.

    Raises:
        RemoteError: the profile does not exist or no region is configured.
    """
    import boto3
    from botocore.exceptions import BotoCoreError, NoRegionError

    try:
        session = session or boto3.Session(profile_name=profile, region_name=region)
        config = retry_config(max_attempts, read_timeout_s)
        return tuple(session.client(name, config=config, endpoint_url=endpoint_url) for name in services)
    except NoRegionError:
        raise RemoteError(
            "no AWS region is configured.", hint="Pass --region (e.g. --region us-east-1) or set AWS_REGION."
        ) from None
    except BotoCoreError as exc:
        raise RemoteError(f"cannot set up AWS access: {exc}.", hint="Check --profile and ~/.aws/config.") from None


class aws_errors:  # noqa: N801 - used as a lower-case context manager
    """Turn AWS failures inside the block into advisor errors that say what to do, naming ``what``.

    Args:
        what: What the requests were about ("function 'f'", "log group '/aws/lambda/f'").
        permissions: The IAM actions these requests need, named when access is denied.
    """

    def __init__(self, what: str, *, permissions: str = "the actions this command calls") -> None:
        self.what = what
        self.permissions = permissions

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        if isinstance(exc, NoCredentialsError):
            raise RemoteError(
                "no AWS credentials found.",
                hint="Configure them (aws configure, AWS_PROFILE or --profile, or "
                     "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).",
            ) from None
        if isinstance(exc, ClientError):
            raise client_error(exc, self.what, self.permissions) from None
        if isinstance(exc, BotoCoreError):
            raise RemoteError(f"AWS request for {self.what} failed: {exc}.",
                              hint="Check the network and --region.") from None
        return False


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (None for anything else)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def is_throttling(exc: BaseException) -> bool:
    """Whether ``exc`` is AWS throttling (after botocore's own retries ran out)."""
    return error_code(exc) in THROTTLE_CODES


def client_error(exc: ClientError, what: str, permissions: str) -> RemoteError | NotFoundError:
    """The advisor error for an AWS error response about ``what``."""
    error = exc.response.get("Error", {})
    code, message = error.get("Code", "Unknown"), error.get("Message", "")
    if code in NOT_FOUND_CODES:
        return NotFoundError(
            f"{what} was not found in AWS ({message}).",
            hint="Check the name and --region/--profile (it must be in that account and region).",
        )
    if code in DENIED_CODES:
        return RemoteError(f"access denied to {what} ({message}).", hint=f"Grant {permissions} to these credentials.")
    if code in CREDENTIAL_CODES:
        return RemoteError(f"AWS rejected the credentials ({code}: {message}).",
                           hint="Refresh them (aws sso login, new keys).")
    if code in THROTTLE_CODES:
        return RemoteError(
            f"AWS kept throttling requests for {what} after retries ({code}).",
            hint="Try again later or import a shorter range (--since/--until).",
        )
    return RemoteError(f"AWS error for {what}: {code}: {message}.")


def wait(lam: Any, waiter: str, **request: Any) -> None:
    """Run one of Lambda's waiters, polling every :data:`WAIT_POLL_S` for at most :data:`WAIT_LIMIT_S`.

    Raises:
        TargetError: the update or the version failed, or did not settle in time.
    """
    from botocore.exceptions import WaiterError

    try:
        lam.get_waiter(waiter).wait(**request, WaiterConfig={"Delay": WAIT_POLL_S,
                                                              "MaxAttempts": WAIT_LIMIT_S // WAIT_POLL_S})
    except WaiterError as exc:
        raise TargetError(f"{request.get('FunctionName')} did not settle ({waiter}): {exc}",
                          hint="Look at the function's LastUpdateStatusReason in the console; advisor restores it.",
                          ) from None


def function_setup(lam: Any, function: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """``$LATEST``'s configuration, every alias and every provisioned-concurrency config of
    ``function`` (all pages): what a tuning or an apply journals before it changes anything.

    Raises:
        botocore's ``ClientError``: the callers map it to their messages.
    """
    conf = lam.get_function_configuration(FunctionName=function)
    aliases = [a for page in lam.get_paginator("list_aliases").paginate(FunctionName=function)
               for a in page.get("Aliases", [])]
    provisioned = [p for page in lam.get_paginator("list_provisioned_concurrency_configs").paginate(
        FunctionName=function) for p in page.get("ProvisionedConcurrencyConfigs", [])]
    return conf, aliases, provisioned
