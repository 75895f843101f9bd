"""ghlsdk.testing signs webhook bodies as GHL does; ghlsdk.webhooks verifies them."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from ghlsdk import GHLClient
from ghlsdk.testing import FakeGHL, WebhookSigner, sign_webhook
from ghlsdk.webhooks import (
    ED25519_HEADER,
    RSA_HEADER,
    ContactCreateEvent,
    WebhookKeys,
    WebhookVerificationError,
    verify,
    verify_signature,
)

BODY = b'{"type":"ContactCreate","locationId":"loc1","id":"c1"}'


def keys_of(signer: WebhookSigner) -> WebhookKeys:
    return WebhookKeys.from_pem(**signer.public_pems)


def test_both_headers_verify_with_the_signers_public_keys() -> None:
    signer = WebhookSigner()
    headers = sign_webhook(BODY, signer=signer)
    assert set(headers) == {"content-type", ED25519_HEADER, RSA_HEADER}
    assert verify_signature(BODY, headers, public_keys=keys_of(signer)) == ED25519_HEADER
    rsa_only = {RSA_HEADER: headers[RSA_HEADER]}
    assert verify_signature(BODY, rsa_only, public_keys=keys_of(signer)) == RSA_HEADER


def test_a_changed_body_does_not_verify() -> None:
    headers = sign_webhook(BODY)
    with pytest.raises(WebhookVerificationError) as info:
        verify_signature(BODY + b" ", headers, public_keys=keys_of(WebhookSigner()))
    assert info.value.reason == "bad_signature"


def test_ghls_own_keys_do_not_accept_the_test_key() -> None:
    headers = sign_webhook(BODY, schemes=["ed25519"])
    with pytest.raises(WebhookVerificationError):
        verify_signature(BODY, headers, public_keys=WebhookKeys.bundled())


def test_the_test_key_is_the_same_everywhere_and_generate_is_not() -> None:
    assert WebhookSigner().ed25519_public_pem == WebhookSigner().ed25519_public_pem
    fresh = WebhookSigner.generate()
    assert fresh.ed25519_public_pem != WebhookSigner().ed25519_public_pem
    headers = fresh.sign(BODY)
    assert verify_signature(BODY, headers, public_keys=keys_of(fresh)) == ED25519_HEADER


def test_a_private_key_round_trips_through_pem() -> None:
    signer = WebhookSigner.generate()
    again = WebhookSigner(ed25519=signer.private_pem(), rsa=signer.private_pem("rsa"))
    assert again.sign(BODY) == signer.sign(BODY)  # Ed25519 and PKCS#1 v1.5 are deterministic
    # the PEM public key is what GHL_WEBHOOK_PUBLIC_KEY / WebhookKeys.from_pem take
    keys = WebhookKeys.from_pem(ed25519=[signer.ed25519_public_pem])
    assert verify_signature(BODY, signer.sign(BODY, schemes=["ed25519"]), public_keys=keys)


def test_a_delivery_carries_a_webhook_id_and_a_fresh_timestamp() -> None:
    signer = WebhookSigner()
    now = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    body, headers = signer.delivery({"type": "ContactCreate", "id": "c1"}, now=now)
    event = verify(body, headers, public_keys=keys_of(signer), now=now)
    assert isinstance(event, ContactCreateEvent)
    assert event.webhook_id
    assert event.timestamp == now


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scheme"):
        WebhookSigner().sign(BODY, schemes=["hmac"])  # type: ignore[list-item]


def test_fake_ghl_signs_its_events_with_its_exposed_keys() -> None:
    fake = FakeGHL()
    http = httpx.Client(transport=fake, base_url="https://services.leadconnectorhq.com")
    with GHLClient(token=fake.token, location_id=fake.location_id, http_client=http) as ghl:
        ghl.contacts.create(first_name="Ada", email="ada@example.com")
    [(body, headers)] = fake.signed_events()
    keys = WebhookKeys.from_pem(**fake.webhook_keys)
    event = verify(body, headers, public_keys=keys, tolerance=None)
    assert isinstance(event, ContactCreateEvent)
    assert event.email == "ada@example.com"
    assert fake.webhook_signer.ed25519_public_pem.startswith("-----BEGIN PUBLIC KEY-----")
