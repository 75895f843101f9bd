"""Signing webhook bodies the way HighLevel does, with test keys, so a receiver can be tried
locally: GHL signs the exact body bytes with Ed25519 (``x-ghl-signature``) and, until that
header is retired, with RSA PKCS#1 v1.5 over SHA-256 (``x-wh-signature``); both signatures
are base64 in their headers. Needs ``cryptography`` (the ``webhooks`` extra).

Like the fake, this module speaks HTTP only and imports nothing of the client: the public
keys come out as PEM, for ``WebhookKeys.from_pem(**signer.public_pems)``."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Final, Literal

__all__ = ["TEST_KEY_SEED", "Scheme", "WebhookSigner", "sign_webhook"]

Scheme = Literal["ed25519", "rsa"]

ED25519_HEADER: Final = "x-ghl-signature"
RSA_HEADER: Final = "x-wh-signature"


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
    except ImportError as exc:
        raise ImportError(
            "signing webhooks needs the 'cryptography' package: pip install 'ghl-ninox[webhooks]'"
        ) from exc
    return SimpleNamespace(
        hashes=hashes, serialization=serialization, ed25519=ed25519, padding=padding, rsa=rsa
    )


TEST_KEY_SEED: Final = hashlib.sha256(b"ghl-ninox webhook test key").digest()
"""The seed of the well-known Ed25519 test key of ``WebhookSigner()``. It is public: anyone
can sign with it. Configure its public key only where you test, never on a public URL."""


@lru_cache(maxsize=1)
def _default_rsa_key() -> Any:
    # Generating an RSA key takes a while: one per process for signers not given one.
    return _crypto().rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_key(key: Any, kind: Scheme) -> Any:
    c = _crypto()
    want = c.ed25519.Ed25519PrivateKey if kind == "ed25519" else c.rsa.RSAPrivateKey
    if isinstance(key, (str, bytes)):
        raw = key.encode() if isinstance(key, str) else key
        key = c.serialization.load_pem_private_key(raw, password=None)
    if not isinstance(key, want):
        raise TypeError(f"the {kind} key must be a {want.__name__} or its PEM")
    return key


def _public_pem(key: Any) -> str:
    c = _crypto()
    data: bytes = key.public_key().public_bytes(
        c.serialization.Encoding.PEM, c.serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data.decode("ascii")


class WebhookSigner:
    """A key pair per scheme that signs webhook bodies as GHL does.

    ``WebhookSigner()`` uses the well-known Ed25519 test key (derived from
    [`TEST_KEY_SEED`][ghlsdk.testing.TEST_KEY_SEED], the same in every process, so a server and a
    ``curl`` started
    apart agree) and an RSA key generated once per process.
    [`generate`][ghlsdk.testing.WebhookSigner.generate] makes fresh
    random keys. Pass private keys (``cryptography`` objects or PEM) to use your own.

    Give the receiver the public keys, ``WebhookKeys.from_pem(**signer.public_pems)`` (see
    [`WebhookKeys`][ghlsdk.webhooks.WebhookKeys]), or
    [`ed25519_public_pem`][ghlsdk.testing.WebhookSigner.ed25519_public_pem] as
    ``GHL_WEBHOOK_PUBLIC_KEY`` for ``ghl-ninox serve``.
    """

    def __init__(self, *, ed25519: Any = None, rsa: Any = None) -> None:
        c = _crypto()
        self._ed25519 = (
            c.ed25519.Ed25519PrivateKey.from_private_bytes(TEST_KEY_SEED)
            if ed25519 is None
            else _private_key(ed25519, "ed25519")
        )
        self._rsa = None if rsa is None else _private_key(rsa, "rsa")

    @classmethod
    def generate(cls) -> WebhookSigner:
        """A signer with new random keys (RSA takes a moment to generate)."""
        c = _crypto()
        return cls(
            ed25519=c.ed25519.Ed25519PrivateKey.generate(),
            rsa=c.rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )

    @property
    def rsa_private_key(self) -> Any:
        if self._rsa is None:
            self._rsa = _default_rsa_key()
        return self._rsa

    @property
    def ed25519_public_pem(self) -> str:
        """The Ed25519 public key, PEM (what a GHL app's settings show)."""
        return _public_pem(self._ed25519)

    @property
    def rsa_public_pem(self) -> str:
        """The RSA public key, PEM."""
        return _public_pem(self.rsa_private_key)

    @property
    def public_pems(self) -> dict[str, list[str]]:
        """Only this signer's public keys (not GHL's), PEM, as the keyword arguments of
        ``WebhookKeys.from_pem``: what a receiver under test verifies with."""
        return {"ed25519": [self.ed25519_public_pem], "rsa": [self.rsa_public_pem]}

    def private_pem(self, scheme: Scheme = "ed25519") -> str:
        """A private key as unencrypted PKCS#8 PEM (to sign from another process)."""
        c = _crypto()
        key = self._ed25519 if scheme == "ed25519" else self.rsa_private_key
        data: bytes = key.private_bytes(
            c.serialization.Encoding.PEM,
            c.serialization.PrivateFormat.PKCS8,
            c.serialization.NoEncryption(),
        )
        return data.decode("ascii")

    def sign(
        self, body: bytes | str, *, schemes: Iterable[Scheme] = ("ed25519", "rsa")
    ) -> dict[str, str]:
        """The signature headers for ``body`` (the exact bytes that will be sent): by default
        both ``x-ghl-signature`` and ``x-wh-signature``, as GHL sends them."""
        raw = body.encode() if isinstance(body, str) else bytes(body)
        c = _crypto()
        headers = {"content-type": "application/json"}
        for scheme in schemes:
            if scheme == "ed25519":
                headers[ED25519_HEADER] = base64.b64encode(self._ed25519.sign(raw)).decode()
            elif scheme == "rsa":
                sig = self.rsa_private_key.sign(raw, c.padding.PKCS1v15(), c.hashes.SHA256())
                headers[RSA_HEADER] = base64.b64encode(sig).decode()
            else:
                raise ValueError(f"unknown scheme {scheme!r}: use 'ed25519' or 'rsa'")
        return headers

    def delivery(
        self,
        payload: Mapping[str, Any],
        *,
        now: datetime | None = None,
        schemes: Iterable[Scheme] = ("ed25519", "rsa"),
    ) -> tuple[bytes, dict[str, str]]:
        """A whole delivery: ``payload`` as compact JSON, with the ``webhookId`` and
        ``timestamp`` real deliveries carry filled in when absent, and its headers."""
        data = dict(payload)
        data.setdefault("webhookId", str(uuid.uuid4()))
        when = now if now is not None else datetime.now(timezone.utc)
        data.setdefault("timestamp", when.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        body = json.dumps(data, separators=(",", ":")).encode()
        return body, self.sign(body, schemes=schemes)

    def __repr__(self) -> str:
        return "WebhookSigner(ed25519=..., rsa=...)"


def sign_webhook(
    body: bytes | str,
    *,
    signer: WebhookSigner | None = None,
    schemes: Iterable[Scheme] = ("ed25519", "rsa"),
) -> dict[str, str]:
    """The headers GHL would send with ``body``, signed with ``signer`` (default: the
    well-known test key, see [`WebhookSigner`][ghlsdk.testing.WebhookSigner])."""
    return (signer or WebhookSigner()).sign(body, schemes=schemes)
