"""The kit both fakes (``ghlsdk.testing.FakeGHL``, ``ninoxsdk.testing.FakeNinox``) are built on,
so they share one API: faults (``fail_next``, ``inject``, ``clear_faults``), clocks
(``FakeClock``, ``ScaledClock``), latency, and the request log (``requests``, ``count``,
``counters``, ``reset_counters``) with secrets masked. Each SDK re-exports what its users need.
"""

from _sdkcore.testing._clock import FakeClock, ScaledClock, sleeps_for
from _sdkcore.testing._faults import ExceptionSpec, Fault, request_predicate
from _sdkcore.testing._kit import FakeKit, Latency
from _sdkcore.testing._records import (
    HTTP_METHODS,
    MASK,
    PathPattern,
    RecordedRequest,
    path_matcher,
    record,
)

__all__ = [
    "HTTP_METHODS",
    "MASK",
    "ExceptionSpec",
    "FakeClock",
    "FakeKit",
    "Fault",
    "Latency",
    "PathPattern",
    "RecordedRequest",
    "ScaledClock",
    "path_matcher",
    "record",
    "request_predicate",
    "sleeps_for",
]
