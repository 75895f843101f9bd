"""Private HTTP core shared by ``ghlsdk`` and ``ninoxsdk``.

Users never import this package: each SDK re-exports what its users need. It holds the request
pipeline (sync and async loops over one pure core), the retry policy, the rate limiter, the
error tree, pagination, serialisation (UNSET, converter factory) and log redaction.
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
    UnprocessableEntityError,
)
from _sdkcore.pagination import AsyncPager, Page, SyncPager
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
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "Call",
    "ConflictError",
    "HTTPConfig",
    "InternalServerError",
    "NotFoundError",
    "OpenEnum",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RawResponse",
    "RequestOptions",
    "RequestSpec",
    "RetryPolicy",
    "StaticAuth",
    "SyncAuth",
    "SyncHTTP",
    "SyncPager",
    "UnprocessableEntityError",
    "Unset",
    "Window",
]
