"""Webhook signature verification: Ed25519 ``x-ghl-signature``, RSA ``x-wh-signature``.

Both schemes are asymmetric: GHL signs the exact request body bytes, we verify with its
public keys. ``cryptography`` is imported only when a key is loaded (extra ``webhooks``).
"""

from __future__ import annotations

import base64
import binascii
import importlib.resources
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final, Union

import attrs

from _sdkcore.errors import SDKError
from _sdkcore.serde import parse_datetime
from ghlsdk.webhooks._dedup import WebhookDeduplicator
from ghlsdk.webhooks._events import WebhookEvent, WebhookPayloadError, load_payload, parse_event

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = [
    "DEFAULT_TOLERANCE",
    "ED25519_HEADER",
    "RSA_HEADER",
    "WebhookKeys",
    "WebhookVerificationError",
    "verify",
    "verify_signature",
]

ED25519_HEADER: Final = "x-ghl-signature"
RSA_HEADER: Final = "x-wh-signature"
#: Seconds a delivery's ``timestamp`` may differ from now (GHL's docs suggest ~5 minutes).
DEFAULT_TOLERANCE: Final = 300.0

_ED25519_PEM: Final = "x-ghl-signature.ed25519-public-key.UNCONFIRMED.pem"
_RSA_PEM: Final = "x-wh-signature.rsa-public-key.pem"
_INSTALL_HINT: Final = (
    "webhook signature verification needs the 'cryptography' package: "
    "pip install 'ghl-ninox[webhooks]'"
)

KeyInput = Union[str, bytes, "Ed25519PublicKey", "RSAPublicKey"]


class WebhookVerificationError(SDKError):
    """A webhook failed verification. ``reason`` is one of:

    ``unsigned`` (no signature header), ``malformed_signature`` (not base64 / wrong size),
    ``bad_signature`` (does not match the body under any configured key), ``no_key`` (no key
    configured for the scheme used), ``malformed_body`` (not a JSON object, bad timestamp),
    ``missing_timestamp``, ``stale`` (timestamp outside the tolerance), ``app_mismatch``
    (``appId`` is not your app's), ``duplicate`` (``webhookId`` already seen).
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def _crypto() -> Any:  # a namespace of the cryptography modules used
    try:
        from cryptography import exceptions
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc

    return SimpleNamespace(
        exceptions=exceptions,
        hashes=hashes,
        serialization=serialization,
        ed25519=ed25519,
        padding=padding,
        rsa=rsa,
    )


def _pem_bytes(key: str | bytes) -> bytes:
    raw = key.encode() if isinstance(key, str) else key
    if b"-----BEGIN" in raw:
        return raw
    # A bare base64 SPKI body, as app settings pages show it.
    body = b"".join(raw.split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN PUBLIC KEY-----\n" + b"\n".join(lines) + b"\n-----END PUBLIC KEY-----\n"


def _load_key(key: KeyInput, kind: str) -> Any:
    c = _crypto()
    want = c.ed25519.Ed25519PublicKey if kind == "ed25519" else c.rsa.RSAPublicKey
    if isinstance(key, want):
        return key
    if not isinstance(key, (str, bytes)):
        raise TypeError(f"{kind} key must be PEM text/bytes or a loaded key, got {type(key)!r}")
    if kind == "ed25519":
        raw = key.encode() if isinstance(key, str) else key
        try:
            decoded = base64.b64decode(b"".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if len(decoded) == 32:  # a raw 32-byte Ed25519 public key in base64
            return c.ed25519.Ed25519PublicKey.from_public_bytes(decoded)
    try:
        loaded = c.serialization.load_pem_public_key(_pem_bytes(key))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"could not read the {kind} public key: {exc}") from exc
    if not isinstance(loaded, want):
        raise ValueError(f"the key given as {kind} is a {type(loaded).__name__}")
    return loaded


def _load_keys(keys: Iterable[KeyInput] | KeyInput, kind: str) -> tuple[Any, ...]:
    items = [keys] if isinstance(keys, (str, bytes)) else list(keys)  # type: ignore[arg-type]
    return tuple(_load_key(k, kind) for k in items)


def _ed25519_keys(keys: Iterable[KeyInput] | KeyInput) -> tuple[Any, ...]:
    return _load_keys(keys, "ed25519")


def _rsa_keys(keys: Iterable[KeyInput] | KeyInput) -> tuple[Any, ...]:
    return _load_keys(keys, "rsa")


def _bundled_pem(name: str) -> bytes:
    return importlib.resources.files("ghlsdk._keys").joinpath(name).read_bytes()


@attrs.frozen(repr=False)
class WebhookKeys:
    """The public keys webhooks are verified with (several per scheme allowed, for rotation).

    [`bundled`][ghlsdk.webhooks.WebhookKeys.bundled] holds GHL's published RSA key and the widely
    cited Ed25519 key, which is
    UNCONFIRMED: take the Ed25519 key from your app's settings and pass it with
    [`from_pem`][ghlsdk.webhooks.WebhookKeys.from_pem] (or ``bundled().with_keys(ed25519=[...])``).
    """

    ed25519: tuple[Any, ...] = attrs.field(default=(), converter=_ed25519_keys)
    rsa: tuple[Any, ...] = attrs.field(default=(), converter=_rsa_keys)

    @classmethod
    def from_pem(
        cls, *, ed25519: Iterable[KeyInput] = (), rsa: Iterable[KeyInput] = ()
    ) -> WebhookKeys:
        """Keys from PEM text/bytes, bare base64 SPKI, a raw base64 Ed25519 key, or loaded
        ``cryptography`` key objects."""
        return cls(ed25519=ed25519, rsa=rsa)

    @classmethod
    def bundled(cls) -> WebhookKeys:
        """GHL's keys as shipped with this SDK."""
        return _bundled_keys()

    def __repr__(self) -> str:
        return f"WebhookKeys(ed25519={len(self.ed25519)} key(s), rsa={len(self.rsa)} key(s))"

    def with_keys(
        self, *, ed25519: Iterable[KeyInput] = (), rsa: Iterable[KeyInput] = ()
    ) -> WebhookKeys:
        """These keys plus more (e.g. a rotated key announced by GHL)."""
        more = WebhookKeys.from_pem(ed25519=ed25519, rsa=rsa)
        return WebhookKeys(ed25519=self.ed25519 + more.ed25519, rsa=self.rsa + more.rsa)


@lru_cache(maxsize=1)
def _bundled_keys() -> WebhookKeys:
    return WebhookKeys.from_pem(ed25519=[_bundled_pem(_ED25519_PEM)], rsa=[_bundled_pem(_RSA_PEM)])


def _decode_signature(value: str, header: str, size: int | None) -> bytes:
    try:
        sig = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError(
            "malformed_signature", f"the {header} header is not valid base64"
        ) from exc
    if not sig or (size is not None and len(sig) != size):
        raise WebhookVerificationError(
            "malformed_signature",
            f"the {header} header decodes to {len(sig)} bytes"
            + (f", expected {size}" if size else ""),
        )
    return sig


def _check_ed25519(keys: WebhookKeys, body: bytes, value: str) -> bool:
    if not keys.ed25519:
        raise WebhookVerificationError(
            "no_key", f"{ED25519_HEADER} is present but no Ed25519 public key is configured"
        )
    sig = _decode_signature(value, ED25519_HEADER, 64)
    invalid = _crypto().exceptions.InvalidSignature
    for key in keys.ed25519:
        try:
            key.verify(sig, body)
            return True
        except invalid:
            continue
    return False


def _check_rsa(keys: WebhookKeys, body: bytes, value: str) -> bool:
    if not keys.rsa:
        raise WebhookVerificationError(
            "no_key", f"{RSA_HEADER} is present but no RSA public key is configured"
        )
    sig = _decode_signature(value, RSA_HEADER, None)
    c = _crypto()
    for key in keys.rsa:
        try:
            key.verify(sig, body, c.padding.PKCS1v15(), c.hashes.SHA256())
            return True
        except c.exceptions.InvalidSignature:
            continue
    return False


def verify_signature(
    body: bytes | bytearray | memoryview,
    headers: Mapping[str, str],
    *,
    public_keys: WebhookKeys | None = None,
    rsa_fallback: bool = False,
) -> str:
    """Check the signature only; return the header that verified. See
    [`verify`][ghlsdk.webhooks.verify]."""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(
            "body must be the raw request body bytes as received; re-encoding parsed JSON "
            f"changes the bytes and breaks the signature (got {type(body).__name__})"
        )
    raw = bytes(body)
    lowered = {str(k).lower(): v for k, v in headers.items()}
    keys = public_keys if public_keys is not None else WebhookKeys.bundled()
    ghl_sig = lowered.get(ED25519_HEADER)
    wh_sig = lowered.get(RSA_HEADER)
    if ghl_sig:
        if _check_ed25519(keys, raw, ghl_sig):
            return ED25519_HEADER
        if rsa_fallback and wh_sig and keys.rsa and _check_rsa(keys, raw, wh_sig):
            return RSA_HEADER
        raise WebhookVerificationError(
            "bad_signature",
            f"{ED25519_HEADER} does not match the body under any configured Ed25519 key. "
            "The bundled Ed25519 key is UNCONFIRMED: pass the key from your app's settings "
            "with public_keys=WebhookKeys.from_pem(ed25519=[...]). Verify the raw body bytes.",
        )
    if wh_sig:
        if _check_rsa(keys, raw, wh_sig):
            return RSA_HEADER
        raise WebhookVerificationError(
            "bad_signature",
            f"{RSA_HEADER} does not match the body under any configured RSA key; "
            "verify the raw body bytes, unchanged",
        )
    raise WebhookVerificationError(
        "unsigned", f"the request has neither {ED25519_HEADER} nor {RSA_HEADER} header"
    )


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def verify(
    body: bytes | bytearray | memoryview,
    headers: Mapping[str, str],
    *,
    public_keys: WebhookKeys | None = None,
    tolerance: float | timedelta | None = DEFAULT_TOLERANCE,
    now: datetime | None = None,
    require_timestamp: bool = False,
    rsa_fallback: bool = False,
    app_id: str | None = None,
    deduplicator: WebhookDeduplicator | None = None,
) -> WebhookEvent:
    """Verify a webhook delivery and return its parsed event.

    1. ``x-ghl-signature`` (Ed25519) is checked first; if it is present and fails, the
       delivery is rejected (set ``rsa_fallback=True`` to then accept a valid
       ``x-wh-signature``). Otherwise ``x-wh-signature`` (RSA PKCS#1 v1.5, SHA-256) is
       checked. No signature at all is rejected.
    2. The body's ``timestamp`` must be within ``tolerance`` seconds of ``now`` (``None``
       disables the check). Payloads without one pass unless ``require_timestamp``.
    3. With ``app_id`` (your app id, or client id: the part before ``-`` is compared), the
       payload's ``appId`` must match.
    4. With ``deduplicator``, a ``webhookId`` seen before is rejected (reason ``duplicate``).

    ``body`` must be the raw bytes received. Raises
    [`WebhookVerificationError`][ghlsdk.webhooks.WebhookVerificationError]
    (``.reason`` says why) or ``ImportError`` without ``cryptography``.
    """
    verify_signature(body, headers, public_keys=public_keys, rsa_fallback=rsa_fallback)
    try:
        data = load_payload(bytes(body))
    except WebhookPayloadError as exc:
        raise WebhookVerificationError("malformed_body", str(exc)) from exc
    _check_timestamp(data, tolerance=tolerance, now=now, required=require_timestamp)
    if app_id is not None:
        expected = app_id.split("-")[0]
        if data.get("appId") != expected:
            raise WebhookVerificationError(
                "app_mismatch",
                f"appId {data.get('appId')!r} is not this app's ({expected!r})",
            )
    event = parse_event(data)
    if deduplicator is not None and deduplicator.seen(event.webhook_id):
        raise WebhookVerificationError(
            "duplicate", f"webhook {event.webhook_id!r} was already received"
        )
    return event


def _check_timestamp(
    data: Mapping[str, Any],
    *,
    tolerance: float | timedelta | None,
    now: datetime | None,
    required: bool,
) -> None:
    raw = data.get("timestamp")
    if raw is None or raw == "":
        if required:
            raise WebhookVerificationError("missing_timestamp", "the payload has no timestamp")
        return
    try:
        sent = parse_datetime(raw)
    except (TypeError, ValueError) as exc:
        raise WebhookVerificationError(
            "malformed_body", f"the payload timestamp {raw!r} is not a date-time"
        ) from exc
    if tolerance is None:
        return
    limit = _seconds(tolerance)
    current = now if now is not None else datetime.now(timezone.utc)
    if current.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    age = (current - sent).total_seconds()
    if abs(age) > limit:
        when = f"{age:.0f} s old" if age > 0 else f"{-age:.0f} s in the future"
        raise WebhookVerificationError(
            "stale", f"the payload timestamp is {when}, beyond the {limit:.0f} s tolerance"
        )
