"""Test helpers for code that talks to Ninox: [`FakeNinox`][ninoxsdk.testing.FakeNinox], an
in-memory Ninox classic
REST API usable as an httpx transport (sync and async).

It speaks the wire format of the classic API (``/v1/teams/...``) and does not depend on
[`ninoxsdk.NinoxClient`][ninoxsdk.NinoxClient], so it can check any client, including plain httpx
code.
See ``docs/ninox/testing.md``.
"""

from _sdkcore.testing import FakeClock, Fault, RecordedRequest, ScaledClock
from ninoxsdk.testing._fake import FakeNinox
from ninoxsdk.testing._schema import FieldDecl, FieldSpec
from ninoxsdk.testing._server import ENDPOINTS, ScriptDatabase, ScriptError, ScriptHandler

__all__ = [
    "ENDPOINTS",
    "FakeClock",
    "FakeNinox",
    "Fault",
    "FieldDecl",
    "FieldSpec",
    "RecordedRequest",
    "ScaledClock",
    "ScriptDatabase",
    "ScriptError",
    "ScriptHandler",
]
