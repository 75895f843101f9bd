"""Private HTTP core shared by ``ghlsdk`` and ``ninoxsdk``.

Users never import this package: each SDK re-exports what its users need. It holds the request
pipeline (sync and async loops over one pure core), the retry policy, the rate limiter, the
error tree (rooted at ``SDKError``), multi-request programs and their drivers, pagination,
serialisation (UNSET, converter factory) and log redaction.
"""

from _sdkcore._http import (
    AsyncAuth,
    AsyncHTTP,
    Call,
    HTTPConfig,
    RawResponse,
    RequestOptions,
    RequestSpec,
    StaticAuth,
    SyncAuth,
    SyncHTTP,
)
from _sdkcore.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SDKError,
    UnprocessableEntityError,
)
from _sdkcore.pagination import AsyncPager, Page, SyncPager
from _sdkcore.programs import AsyncItems, Emit, Program, SyncItems, arun, astream, run, stream
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, OpenEnum, Unset

__all__ = [
    "UNSET",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAuth",
    "AsyncHTTP",
    "AsyncItems",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "Call",
    "ConflictError",
    "Emit",
    "HTTPConfig",
    "InternalServerError",
    "NotFoundError",
    "OpenEnum",
    "Page",
    "PermissionDeniedError",
    "Program",
    "RateLimitError",
    "RateLimiter",
    "RawResponse",
    "RequestOptions",
    "RequestSpec",
    "RetryPolicy",
    "SDKError",
    "StaticAuth",
    "SyncAuth",
    "SyncHTTP",
    "SyncItems",
    "SyncPager",
    "UnprocessableEntityError",
    "Unset",
    "Window",
    "arun",
    "astream",
    "run",
    "stream",
]
