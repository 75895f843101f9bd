"""verify(): Ed25519 first, RSA fallback, keys, timestamps, app id, de-duplication."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from ghlsdk.webhooks import (
    ContactCreateEvent,
    WebhookDeduplicator,
    WebhookKeys,
    WebhookVerificationError,
    parse_event,
    verify,
    verify_signature,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def keys(ed_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey) -> WebhookKeys:
    return WebhookKeys.from_pem(ed25519=[pem(ed_key)], rsa=[pem(rsa_key)])


def pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def ed_sign(key: ed25519.Ed25519PrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body)).decode()


def rsa_sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def body_of(**fields: Any) -> bytes:
    payload = {
        "type": "ContactCreate",
        "locationId": "loc_1",
        "id": "c1",
        "appId": "66a0419a0dffa47fb5f8b22f",
        "webhookId": "wh_0001",
        "timestamp": "2026-11-28T11:59:30.000Z",
    }
    payload.update(fields)
    return json.dumps(payload, separators=(",", ":")).encode()


def reason(exc: pytest.ExceptionInfo[WebhookVerificationError]) -> str:
    return exc.value.reason


# -- signatures --------------------------------------------------------------------------------
def test_ed25519_signature_verifies_and_returns_the_event(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    body = body_of()
    event = verify(body, {"X-GHL-Signature": ed_sign(ed_key, body)}, public_keys=keys, now=NOW)
    assert isinstance(event, ContactCreateEvent)
    assert event.webhook_id == "wh_0001"
    assert verify_signature(body, {"x-ghl-signature": ed_sign(ed_key, body)}, public_keys=keys) == (
        "x-ghl-signature"
    )


def test_rsa_signature_verifies_when_it_is_the_only_one(
    rsa_key: rsa.RSAPrivateKey, keys: WebhookKeys
) -> None:
    body = body_of()
    headers = {"x-wh-signature": rsa_sign(rsa_key, body)}
    assert verify_signature(body, headers, public_keys=keys) == "x-wh-signature"
    assert isinstance(verify(body, headers, public_keys=keys, now=NOW), ContactCreateEvent)


def test_a_changed_body_fails(ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys) -> None:
    body = body_of()
    signature = ed_sign(ed_key, body)
    reserialised = json.dumps(json.loads(body), indent=1).encode()  # same JSON, other bytes
    with pytest.raises(WebhookVerificationError) as info:
        verify(reserialised, {"x-ghl-signature": signature}, public_keys=keys, now=NOW)
    assert reason(info) == "bad_signature"
    assert "UNCONFIRMED" in str(info.value)


def test_a_failed_ed25519_does_not_fall_back_to_rsa_by_default(
    ed_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey, keys: WebhookKeys
) -> None:
    body = body_of()
    other = ed25519.Ed25519PrivateKey.generate()
    headers = {"x-ghl-signature": ed_sign(other, body), "x-wh-signature": rsa_sign(rsa_key, body)}
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, headers, public_keys=keys, now=NOW)
    assert reason(info) == "bad_signature"
    # opt in (the bundled Ed25519 key is unconfirmed): a valid RSA signature is accepted
    assert verify_signature(body, headers, public_keys=keys, rsa_fallback=True) == "x-wh-signature"
    bad_rsa = {**headers, "x-wh-signature": rsa_sign(rsa_key, b"other")}
    with pytest.raises(WebhookVerificationError, match="x-ghl-signature does not match"):
        verify_signature(body, bad_rsa, public_keys=keys, rsa_fallback=True)


def test_ed25519_is_preferred_when_both_are_present(
    ed_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey, keys: WebhookKeys
) -> None:
    body = body_of()
    headers = {
        "x-ghl-signature": ed_sign(ed_key, body),
        "x-wh-signature": rsa_sign(rsa_key, b"garbage"),
    }
    assert verify_signature(body, headers, public_keys=keys) == "x-ghl-signature"


def test_bad_rsa_signature(rsa_key: rsa.RSAPrivateKey, keys: WebhookKeys) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        verify(body_of(), {"x-wh-signature": rsa_sign(rsa_key, b"x")}, public_keys=keys)
    assert reason(info) == "bad_signature"


def test_any_of_several_keys_may_match(ed_key: ed25519.Ed25519PrivateKey) -> None:
    rotated = WebhookKeys.from_pem(ed25519=[pem(ed25519.Ed25519PrivateKey.generate())])
    body = body_of()
    headers = {"x-ghl-signature": ed_sign(ed_key, body)}
    with pytest.raises(WebhookVerificationError):
        verify_signature(body, headers, public_keys=rotated)
    both = rotated.with_keys(ed25519=[pem(ed_key)])
    assert verify_signature(body, headers, public_keys=both) == "x-ghl-signature"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "unsigned"),
        ({"x-ghl-signature": ""}, "unsigned"),
        ({"x-ghl-signature": "not base64!!"}, "malformed_signature"),
        ({"x-ghl-signature": base64.b64encode(b"short").decode()}, "malformed_signature"),
        ({"x-wh-signature": "%%%"}, "malformed_signature"),
    ],
)
def test_missing_or_malformed_signatures(
    keys: WebhookKeys, headers: dict[str, str], expected: str
) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        verify(body_of(), headers, public_keys=keys, now=NOW)
    assert reason(info) == expected


def test_no_key_configured_for_the_scheme(ed_key: ed25519.Ed25519PrivateKey) -> None:
    body = body_of()
    only_rsa = WebhookKeys.from_pem(rsa=[pem(rsa.generate_private_key(65537, 2048))])
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, {"x-ghl-signature": ed_sign(ed_key, body)}, public_keys=only_rsa)
    assert reason(info) == "no_key"


def test_body_must_be_raw_bytes(ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys) -> None:
    body = body_of()
    with pytest.raises(TypeError, match="raw request body bytes"):
        verify(body.decode(), {"x-ghl-signature": ed_sign(ed_key, body)}, public_keys=keys)  # type: ignore[arg-type]
    assert verify(
        bytearray(body), {"x-ghl-signature": ed_sign(ed_key, body)}, public_keys=keys, now=NOW
    )


# -- keys --------------------------------------------------------------------------------------
def test_bundled_keys_load() -> None:
    bundled = WebhookKeys.bundled()
    assert len(bundled.ed25519) == 1
    assert len(bundled.rsa) == 1
    assert isinstance(bundled.ed25519[0], ed25519.Ed25519PublicKey)
    assert isinstance(bundled.rsa[0], rsa.RSAPublicKey)
    assert bundled.rsa[0].key_size == 4096
    assert repr(bundled) == "WebhookKeys(ed25519=1 key(s), rsa=1 key(s))"
    raw = bundled.ed25519[0].public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert base64.b64encode(raw).decode() == "i2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg="


def test_bundled_keys_are_the_default() -> None:
    body = body_of()
    forged = ed_sign(ed25519.Ed25519PrivateKey.generate(), body)
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, {"x-ghl-signature": forged}, now=NOW)
    assert reason(info) == "bad_signature"


def test_key_formats(ed_key: ed25519.Ed25519PrivateKey) -> None:
    public = ed_key.public_key()
    pem_text = pem(ed_key).decode()
    bare = "".join(pem_text.splitlines()[1:-1])  # SPKI without the PEM armour
    raw = base64.b64encode(
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()
    body = body_of()
    headers = {"x-ghl-signature": ed_sign(ed_key, body)}
    for form in (pem_text, pem_text.encode(), bare, raw, public):
        keys = WebhookKeys.from_pem(ed25519=[form])
        assert verify_signature(body, headers, public_keys=keys) == "x-ghl-signature"
    assert len(WebhookKeys.from_pem(ed25519=pem_text).ed25519) == 1  # one key, not a list
    direct = WebhookKeys(ed25519=[pem_text])  # the constructor loads keys too
    assert verify_signature(body, headers, public_keys=direct) == "x-ghl-signature"


def test_bad_keys_are_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="could not read the ed25519 public key"):
        WebhookKeys.from_pem(ed25519=["not a key"])
    with pytest.raises(ValueError, match="given as ed25519 is a"):
        WebhookKeys.from_pem(ed25519=[pem(rsa_key)])
    with pytest.raises(TypeError, match="PEM text/bytes"):
        WebhookKeys.from_pem(rsa=[123])  # type: ignore[list-item]


def test_missing_cryptography_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'ghl-ninox\[webhooks\]'"):
        WebhookKeys.from_pem(ed25519=["x"])
    # parsing needs no cryptography
    assert parse_event(body_of()).type == "ContactCreate"


# -- timestamp, app id, duplicates ---------------------------------------------------------------
def signed(ed_key: ed25519.Ed25519PrivateKey, body: bytes) -> dict[str, str]:
    return {"x-ghl-signature": ed_sign(ed_key, body)}


@pytest.mark.parametrize(
    ("timestamp", "ok"),
    [
        ("2026-11-28T11:59:30.000Z", True),
        ("2026-11-28T11:55:01Z", True),
        ("2026-11-28T11:54:59Z", False),  # 5 min 1 s old
        ("2026-11-28T12:05:30Z", False),  # from the future
        (1795867170000, True),  # epoch milliseconds, 30 s old
    ],
)
def test_timestamp_tolerance(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys, timestamp: object, ok: bool
) -> None:
    body = body_of(timestamp=timestamp)
    if ok:
        verify(body, signed(ed_key, body), public_keys=keys, now=NOW)
        return
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, signed(ed_key, body), public_keys=keys, now=NOW)
    assert reason(info) == "stale"
    assert "300 s tolerance" in str(info.value)


def test_tolerance_is_configurable(ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys) -> None:
    body = body_of(timestamp="2026-11-28T11:00:00Z")
    headers = signed(ed_key, body)
    verify(body, headers, public_keys=keys, now=NOW, tolerance=timedelta(hours=2))
    verify(body, headers, public_keys=keys, now=NOW, tolerance=None)
    with pytest.raises(WebhookVerificationError):
        verify(body, headers, public_keys=keys, now=NOW, tolerance=60)


def test_missing_and_malformed_timestamps(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    payload = json.loads(body_of())
    del payload["timestamp"]
    body = json.dumps(payload).encode()
    verify(body, signed(ed_key, body), public_keys=keys, now=NOW)  # docs' examples have none
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, signed(ed_key, body), public_keys=keys, now=NOW, require_timestamp=True)
    assert reason(info) == "missing_timestamp"
    bad = body_of(timestamp="yesterday")
    with pytest.raises(WebhookVerificationError) as info:
        verify(bad, signed(ed_key, bad), public_keys=keys, now=NOW)
    assert reason(info) == "malformed_body"


def test_signed_but_not_json(ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys) -> None:
    body = b"hello"
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, signed(ed_key, body), public_keys=keys, now=NOW)
    assert reason(info) == "malformed_body"


def test_app_id_check(ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys) -> None:
    body = body_of()
    headers = signed(ed_key, body)
    verify(body, headers, public_keys=keys, now=NOW, app_id="66a0419a0dffa47fb5f8b22f-lx1abc")
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, headers, public_keys=keys, now=NOW, app_id="someoneelse")
    assert reason(info) == "app_mismatch"


def test_duplicates_are_rejected(ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys) -> None:
    dedup = WebhookDeduplicator()
    body = body_of()
    headers = signed(ed_key, body)
    verify(body, headers, public_keys=keys, now=NOW, deduplicator=dedup)
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, headers, public_keys=keys, now=NOW, deduplicator=dedup)
    assert reason(info) == "duplicate"
    dedup.forget("wh_0001")  # e.g. handling failed: accept GHL's retry
    verify(body, headers, public_keys=keys, now=NOW, deduplicator=dedup)


# -- deduplicator ------------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_deduplicator_ttl() -> None:
    clock = FakeClock()
    dedup = WebhookDeduplicator(ttl=60, clock=clock)
    assert dedup.seen("a") is False
    assert dedup.seen("a") is True
    assert "a" in dedup
    clock.now += 59
    assert dedup.seen("a") is True
    clock.now += 2
    assert "a" not in dedup
    assert dedup.seen("a") is False
    assert len(dedup) == 1


def test_deduplicator_is_bounded() -> None:
    dedup = WebhookDeduplicator(max_size=3, clock=FakeClock())
    for webhook_id in "abcd":
        assert dedup.seen(webhook_id) is False
    assert len(dedup) == 3
    assert "a" not in dedup  # the oldest went first
    assert dedup.seen("d") is True


def test_deduplicator_accepts_events_and_ignores_missing_ids() -> None:
    dedup = WebhookDeduplicator()
    event = parse_event({"type": "NoteCreate", "webhookId": "w1"})
    assert dedup.seen(event) is False
    assert dedup.seen("w1") is True
    no_id = parse_event({"type": "NoteCreate"})
    assert dedup.seen(no_id) is False
    assert dedup.seen(no_id) is False
    assert dedup.seen(None) is False
    with pytest.raises(TypeError):
        dedup.seen(5)  # type: ignore[arg-type]


def test_deduplicator_is_thread_safe() -> None:
    dedup = WebhookDeduplicator()
    firsts: list[bool] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        barrier.wait()
        firsts.append(not dedup.seen("same-id"))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert firsts.count(True) == 1


@pytest.mark.parametrize(("kwargs", "match"), [({"ttl": 0}, "ttl"), ({"max_size": 0}, "max_size")])
def test_deduplicator_validates(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        WebhookDeduplicator(**kwargs)  # type: ignore[arg-type]


def test_module_imports_and_parses_without_cryptography() -> None:
    # A fresh interpreter where importing cryptography fails, as without the extra.
    script = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "cryptography" or name.startswith("cryptography."):
            raise ImportError("No module named " + repr(name))
        return None
sys.meta_path.insert(0, Block())
from ghlsdk import webhooks
assert "cryptography" not in sys.modules
event = webhooks.parse_event(b'{"type": "NoteCreate", "id": "n1"}')
assert type(event).__name__ == "NoteCreateEvent"
try:
    webhooks.verify(b"{}", {"x-ghl-signature": "AAAA"})
except ImportError as exc:
    print(exc)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert "pip install 'ghl-ninox[webhooks]'" in result.stdout
