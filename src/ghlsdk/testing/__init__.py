"""Test helpers for code that talks to GHL: an in-memory fake of the API.

:class:`FakeGHL` is a stateful, in-memory GHL API v2 (contacts, tasks, notes, appointments,
tags, followers, campaigns, workflows, plus the OAuth token endpoints) that plugs into httpx
as a transport, sync or async::

    from ghlsdk.testing import FakeGHL, FakeClock

    fake = FakeGHL(clock=FakeClock(), rate_limit=True)
    http = httpx.Client(transport=fake, base_url="https://services.leadconnectorhq.com")

See ``docs/ghl/testing.md``. The fake does not import the ghlsdk client: it speaks HTTP only.
"""

from ghlsdk.testing._clock import FakeClock
from ghlsdk.testing._fake import (
    BASE_URL,
    CONTACTS_VERSION,
    DEFAULT_SCOPES,
    OPERATIONS,
    FakeGHL,
)
from ghlsdk.testing._faults import Fault, RecordedRequest

__all__ = [
    "BASE_URL",
    "CONTACTS_VERSION",
    "DEFAULT_SCOPES",
    "OPERATIONS",
    "FakeClock",
    "FakeGHL",
    "Fault",
    "RecordedRequest",
]
