"""Test helpers for code that talks to GHL: an in-memory fake of the API.

[`FakeGHL`][ghlsdk.testing.FakeGHL] is a stateful, in-memory GHL API v2 (contacts, tasks, notes,
appointments,
tags, followers, campaigns, workflows, plus the OAuth token endpoints) that plugs into httpx
as a transport, sync or async::

    from ghlsdk.testing import FakeGHL, FakeClock

    fake = FakeGHL(clock=FakeClock(), rate_limit=True)
    http = httpx.Client(transport=fake, base_url="https://services.leadconnectorhq.com")

[`WebhookSigner`][ghlsdk.testing.WebhookSigner] and
[`sign_webhook`][ghlsdk.testing.sign_webhook] sign webhook bodies with test keys the way GHL
does, so a receiver can be tried locally; ``FakeGHL.webhook_keys`` are the public keys (PEM) that
verify the fake's [`signed_events`][ghlsdk.testing.FakeGHL.signed_events].

The fake does not import the ghlsdk client: it speaks HTTP only.
"""

from _sdkcore.testing import FakeClock, Fault, RecordedRequest, ScaledClock
from ghlsdk.testing._fake import (
    BASE_URL,
    CONTACTS_VERSION,
    DEFAULT_SCOPES,
    OPERATIONS,
    FakeGHL,
)
from ghlsdk.testing._webhooks import TEST_KEY_SEED, WebhookSigner, sign_webhook

__all__ = [
    "BASE_URL",
    "CONTACTS_VERSION",
    "DEFAULT_SCOPES",
    "OPERATIONS",
    "TEST_KEY_SEED",
    "FakeClock",
    "FakeGHL",
    "Fault",
    "RecordedRequest",
    "ScaledClock",
    "WebhookSigner",
    "sign_webhook",
]
