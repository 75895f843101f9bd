"""Cost of registering secrets for redaction with many live token sets, and of redacting.

Keeps 1,000 and then 10,000 ``TokenSet`` s alive (two secrets each), and times at each size
a ``register_secret`` tied to an owner's lifetime and the construction of one more
``TokenSet``. The registry used to keep the newest 1,024 secrets and recompile one regex per
registration: ~35 ms each past the cap, and a live token registered early was no longer
redacted. Goal: registration O(1) (the same at 1,000 and 10,000 live sets) and every live
token still redacted. Prints figures; asserts nothing.
"""

from __future__ import annotations

import gc
import secrets
import time
from datetime import datetime, timedelta, timezone

from _sdkcore.logging import redact, register_secret, secret_count
from ghlsdk.auth import TokenSet

EXPIRES = datetime(2030, 1, 1, tzinfo=timezone.utc)
SAMPLES = 5_000


class _Owner:
    pass


_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # every JWT of one issuer starts alike


def _jwt(claims: str) -> str:
    return f"{_HEADER}.{claims}.{secrets.token_urlsafe(32)}"


def make(n: int, tag: str) -> TokenSet:
    return TokenSet(
        access_token=_jwt(f"{tag}{n:08d}"),
        refresh_token=_jwt(f"{tag}{n:08d}r"),
        expires_at=EXPIRES + timedelta(seconds=n),
    )


def timed(live: int, held: list[object]) -> tuple[float, float]:
    """(seconds per register_secret, seconds per TokenSet) with ``live`` token sets alive."""
    held.extend(make(n, f"live{live}") for n in range(len(held) // 2, live))
    owners = [_Owner() for _ in range(SAMPLES)]
    values = [secrets.token_urlsafe(24) for _ in range(SAMPLES)]
    gc.disable()
    try:
        start = time.perf_counter()
        for value, owner in zip(values, owners, strict=True):
            register_secret(value, owner=owner)
        per_secret = (time.perf_counter() - start) / SAMPLES
        start = time.perf_counter()
        extra = [make(n, f"extra{live}") for n in range(SAMPLES)]
        per_set = (time.perf_counter() - start) / SAMPLES
    finally:
        gc.enable()
    held.extend(owners)
    held.extend(extra)
    return per_secret, per_set


def main() -> None:
    held: list[object] = []
    for live in (1_000, 10_000):
        per_secret, per_set = timed(live, held)
        print(
            f"{live:>6,} live token sets ({secret_count():>6,} secrets): "
            f"register_secret {per_secret * 1e6:5.1f} us, new TokenSet (2 secrets) "
            f"{per_set * 1e6:5.1f} us"
        )
    first = held[0]
    assert isinstance(first, TokenSet)
    message = (
        f"400 POST /oauth/token: Invalid refresh token {first.refresh_token}; the refresh token "
        "was rejected: refresh tokens work once (each refresh returns a new one), so it may be "
        "used up, revoked, or from another app"
    )
    runs = 2_000
    start = time.perf_counter()
    for _ in range(runs):
        cleaned = redact(message)
    per = (time.perf_counter() - start) / runs
    still = first.refresh_token not in cleaned
    print(f"the first token set's refresh token is still redacted: {still}")
    print(f"redact() of a {len(message)}-character error message: {per * 1e6:.1f} us")
    del held, first
    gc.collect()
    print(f"after every owner is collected: {secret_count():,} secrets registered")


if __name__ == "__main__":
    main()
