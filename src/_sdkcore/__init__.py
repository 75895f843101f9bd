"""Private HTTP core shared by ``ghlsdk`` and ``ninoxsdk``.

Users never import this package: each SDK re-exports what its users need. It holds the request
pipeline (sync and async loops over one pure core), the retry policy, the rate limiter, the
error tree (rooted at ``SDKError``), multi-request programs and their drivers, pagination,
serialisation (UNSET, converter factory) and log redaction.
"""

from _sdkcore import errors
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
from _sdkcore.errors import *  # noqa: F403 - the error tree (errors.__all__)
from _sdkcore.pagination import AsyncPager, Page, SyncPager
from _sdkcore.programs import AsyncItems, Emit, Program, SyncItems, arun, astream, run, stream
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, OpenEnum, Unset

__all__ = [
    "UNSET",
    "AsyncAuth",
    "AsyncHTTP",
    "AsyncItems",
    "AsyncPager",
    "Call",
    "Emit",
    "HTTPConfig",
    "OpenEnum",
    "Page",
    "Program",
    "RateLimiter",
    "RawResponse",
    "RequestOptions",
    "RequestSpec",
    "RetryPolicy",
    "StaticAuth",
    "SyncAuth",
    "SyncHTTP",
    "SyncItems",
    "SyncPager",
    "Unset",
    "Window",
    "arun",
    "astream",
    "run",
    "stream",
]
__all__ += errors.__all__
