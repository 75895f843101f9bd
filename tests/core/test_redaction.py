"""The secret registry never forgets a live secret, registers in O(1), and lets go of a
secret once nothing holding it is alive; structural redaction of bodies and headers."""

from __future__ import annotations

import gc
import threading
from datetime import datetime, timedelta, timezone

from _sdkcore.logging import REDACTED, redact, redact_data, register_secret, secret_count
from ghlsdk.auth import TokenSet

EXPIRES = datetime(2030, 1, 1, tzinfo=timezone.utc)


class Owner:
    """Any object that can be weakly referenced."""


def token_set(n: int, prefix: str = "red") -> TokenSet:
    return TokenSet(
        access_token=f"at-{prefix}-live-{n:08d}",
        refresh_token=f"rt-{prefix}-live-{n:08d}",
        expires_at=EXPIRES + timedelta(seconds=n),
    )


def test_a_token_registered_first_is_still_redacted_after_5000_more() -> None:
    first = token_set(0, "first")
    more = [token_set(n, "more") for n in range(1, 5001)]
    echoed = f"error: invalid token {first.access_token}; refresh {first.refresh_token}."
    assert first.access_token not in redact(echoed)
    assert first.refresh_token not in redact(echoed)  # type: ignore[operator]
    assert redact(echoed).count(REDACTED) == 2
    last = more[-1]
    assert last.access_token not in redact(f"x{last.access_token}y")  # no delimiters needed
    assert secret_count() >= 10_002
    del more


def test_a_secret_leaves_the_registry_with_its_last_owner() -> None:
    value = "ephemeral-secret-value-000001"
    one, two = Owner(), Owner()
    register_secret(value, owner=one)
    register_secret(value, owner=two)
    del one
    gc.collect()
    assert redact(value) == REDACTED  # still held by `two`
    before = secret_count()
    del two
    gc.collect()
    assert secret_count() <= before - 1
    assert redact(f"a {value} b") == f"a {value} b"


def test_token_sets_release_their_secrets_when_collected() -> None:
    tokens = [token_set(n, "gone") for n in range(100)]
    value = tokens[0].access_token
    before = secret_count()
    del tokens
    gc.collect()
    assert secret_count() <= before - 200
    assert value in redact(f"{value}")


def test_a_secret_without_owner_stays_for_the_process() -> None:
    value = "permanent-secret-value-000001"
    register_secret(value)
    gc.collect()
    assert redact(f"<{value}>") == f"<{REDACTED}>"


def test_short_values_are_ignored_and_the_longest_secret_wins() -> None:
    register_secret("abc12")  # too short: would redact ordinary words
    assert redact("abc12") == "abc12"
    owner = Owner()
    register_secret("overlap-secret-01", owner=owner)
    register_secret("overlap-secret-01-and-more", owner=owner)
    assert redact("[overlap-secret-01-and-more]") == f"[{REDACTED}]"
    assert redact("[overlap-secret-01]") == f"[{REDACTED}]"


def test_registration_from_many_threads_while_owners_die() -> None:
    errors: list[BaseException] = []

    def churn(worker: int) -> None:
        try:
            for i in range(200):
                kept = token_set(i, f"thread{worker}")
                assert redact(kept.access_token) == REDACTED
                if i % 100 == 0:
                    gc.collect()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_structural_redaction_needs_no_registration() -> None:
    text = (
        'Authorization: Bearer never-registered-0001 {"refresh_token": "never-registered-0002"} '
        "client_secret=never-registered-0003&x=1"
    )
    cleaned = redact(text)
    for n in (1, 2, 3):
        assert f"never-registered-000{n}" not in cleaned


def test_redact_data_cleans_credential_fields_and_known_secrets() -> None:
    owner = Owner()
    register_secret("known-secret-in-body-01", owner=owner)
    body = {
        "error": "invalid_grant",
        "message": "bad token known-secret-in-body-01",
        "access_token": "unregistered-value-01",
        "nested": [{"refreshToken": "unregistered-value-02", "code": "E42"}],
        "statusCode": 400,
        "token": "",
    }
    clean = redact_data(body)
    assert clean["error"] == "invalid_grant"
    assert clean["message"] == f"bad token {REDACTED}"
    assert clean["access_token"] == REDACTED
    assert clean["nested"] == [{"refreshToken": REDACTED, "code": "E42"}]
    assert clean["statusCode"] == 400
    assert clean["token"] == ""
    assert body["access_token"] == "unregistered-value-01"  # a copy: the input is untouched
