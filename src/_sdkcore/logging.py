"""Logging with secrets redacted.

Every logger the SDKs use comes from `get_logger` (public as
[`get_redacting_logger`][ghlsdk.get_redacting_logger]), which attaches
`RedactingFilter`. The filter removes bearer tokens, ``Authorization`` headers, token
and secret fields in JSON or form text, and any exact secret value a client registered with
`register_secret`, from the message and its arguments, before a handler sees them.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Final

__all__ = ["REDACTED", "RedactingFilter", "get_logger", "redact", "register_secret"]

REDACTED: Final = "[REDACTED]"

# Names of fields that hold secrets (not secrets themselves).
_SECRET_KEYS = "|".join(
    (
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "api_key",
        "apikey",
        "password",
        "secret",
        "token",
        "accessToken",
        "refreshToken",
        "clientSecret",
        "apiKey",
        "code",
    )
)
_PATTERNS: Final = (
    # Authorization: Bearer xyz / 'authorization': 'Bearer xyz'
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+|basic\s+)?[^\s'\",}]+"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    # "refresh_token": "xyz"  /  refresh_token=xyz (form or query)
    re.compile(rf"(['\"]?(?:{_SECRET_KEYS})['\"]?\s*:\s*['\"])[^'\"]*"),
    re.compile(rf"(\b(?:{_SECRET_KEYS})=)[^&\s'\"]+"),
)

_lock = threading.Lock()
_MIN_SECRET_LEN = 6  # shorter values would redact ordinary words
#: The most recent secrets are kept (refreshed tokens replace old ones); older ones expire
#: from the set, so a long-running server does not slow down as tokens rotate.
MAX_SECRETS: Final = 1024
_secrets: dict[str, None] = {}
_secret_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Redact this exact value wherever it appears in messages the SDKs log or raise."""
    global _secret_pattern
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets[value] = None
        while len(_secrets) > MAX_SECRETS:
            del _secrets[next(iter(_secrets))]
        # Longest first, so a secret that contains another is replaced whole.
        ordered = sorted(_secrets, key=len, reverse=True)
        _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """``text`` with every known secret and secret-looking field replaced by ``[REDACTED]``."""
    if not text:
        return text
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    for field_pattern in _PATTERNS:
        text = field_pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record so no credential reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True


_FILTER: Final = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """The library logger ``name`` with the redacting filter attached (once)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def describe_secret(value: Any) -> str:
    """What a repr shows for a credential: whether one is set, never its value."""
    return "'***'" if value else "None"
