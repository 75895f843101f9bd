"""Logging with secrets redacted.

Every logger the SDKs use comes from `get_logger` (public as
[`get_redacting_logger`][ghlsdk.get_redacting_logger]), which attaches
`RedactingFilter`. The filter removes bearer tokens, ``Authorization`` headers, token
and secret fields in JSON or form text, and any exact secret value a client registered with
`register_secret`, from the message, its arguments and its formatted traceback, before a
handler sees them.

The registry of exact values never forgets a live secret: a value registered with an
``owner`` (a [`TokenSet`][ghlsdk.auth.TokenSet], an OAuth helper) stays registered while any
owner holding it is alive, and leaves when the last one is collected; a value registered
without an owner stays for the life of the process. Registering is O(1) (a dict entry and a
weak reference), however many secrets are alive; `redact` finds them with one pass over the
text, looking the characters ending at each position up in an index of the secrets' tails.
"""

from __future__ import annotations

import collections
import logging
import re
import threading
import weakref
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "get_logger",
    "redact",
    "redact_data",
    "register_secret",
    "secret_count",
]

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
#: Keys of a parsed body (JSON object) whose string values are credentials. ("code" is left
#: out here: error bodies use it for error codes.)
_BODY_SECRET_KEYS: Final = frozenset(
    k.lower()
    for k in (
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
        "authorization",
    )
)

_MIN_SECRET_LEN: Final = 6  # shorter values would redact ordinary words
_lock = threading.Lock()
#: Each registered value and how many live owners hold it (a value without an owner is
#: counted once and never released).
_counts: dict[str, int] = {}
#: The last ``_MIN_SECRET_LEN`` characters of each registered value -> the values.
_index: dict[str, set[str]] = {}
#: Values whose owner was collected; applied under the lock by the next register or redact
#: (finalizers may run in any thread, at any allocation, so they never take the lock).
_released: collections.deque[str] = collections.deque()


def register_secret(value: str | None, owner: object = None) -> None:
    """Redact this exact value wherever it appears in messages the SDKs log or raise.

    With ``owner`` (any object that supports weak references), the value is redacted while
    the owner (or another owner of the same value) is alive; without one, for the life of
    the process. Values shorter than six characters are ignored.
    """
    if not value or not isinstance(value, str) or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        _drain()
        count = _counts.get(value, 0)
        _counts[value] = count + 1
        if count == 0:
            tail = value[-_MIN_SECRET_LEN:]
            bucket = _index.get(tail)
            if bucket is None:
                _index[tail] = {value}
            else:
                bucket.add(value)
    if owner is not None:
        finalizer = weakref.finalize(owner, _released.append, value)
        finalizer.atexit = False


def _drain() -> None:
    # Caller holds _lock.
    while _released:
        value = _released.popleft()
        count = _counts.get(value, 0) - 1
        if count > 0:
            _counts[value] = count
            continue
        _counts.pop(value, None)
        tail = value[-_MIN_SECRET_LEN:]
        bucket = _index.get(tail)
        if bucket is not None:
            bucket.discard(value)
            if not bucket:
                del _index[tail]


def secret_count() -> int:
    """How many distinct secret values are registered right now (for tests and benchmarks)."""
    with _lock:
        _drain()
        return len(_counts)


def _redact_known(text: str) -> str:
    # Each registered value is indexed by its last characters (a token's random tail: JWTs
    # share their first characters, not their signatures), so one pass over the text finds
    # every occurrence, wherever it starts, at the cost of one dict lookup per position.
    width = _MIN_SECRET_LEN
    spans: list[tuple[int, int]] = []
    with _lock:
        _drain()
        if not _index:
            return text
        get = _index.get
        for end in range(width, len(text) + 1):
            bucket = get(text[end - width : end])
            if not bucket:
                continue
            first = -1
            for secret in bucket:
                start = end - len(secret)
                if start >= 0 and (first < 0 or start < first) and text.startswith(secret, start):
                    first = start
            if first < 0:
                continue
            while spans and first <= spans[-1][1]:  # overlaps (or touches) earlier matches
                first = min(first, spans.pop()[0])
            spans.append((first, end))
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(REDACTED)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def redact(text: str) -> str:
    """``text`` with every known secret and secret-looking field replaced by ``[REDACTED]``."""
    if not text:
        return text
    if _counts:
        text = _redact_known(text)
    for field_pattern in _PATTERNS:
        text = field_pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_data(value: Any, _depth: int = 0) -> Any:
    """A copy of parsed JSON (an error body) with credential fields and known secrets
    replaced by ``[REDACTED]``; other values are returned as they are."""
    if isinstance(value, str):
        return redact(value)
    if _depth > 20:
        return value
    if isinstance(value, Mapping):
        return {
            key: (
                REDACTED
                if isinstance(key, str) and key.lower() in _BODY_SECRET_KEYS and item
                else redact_data(item, _depth + 1)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_data(item, _depth + 1) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrites each record so no credential reaches a handler: its message, its arguments,
    and the traceback of ``exc_info`` (formatted once here, redacted, and left in
    ``exc_text``, which the standard formatter prints instead of formatting again)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER: Final = RedactingFilter()
_FORMATTER: Final = logging.Formatter()


def get_logger(name: str) -> logging.Logger:
    """The library logger ``name`` with the redacting filter attached (once)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def describe_secret(value: Any) -> str:
    """What a repr shows for a credential: whether one is set, never its value."""
    return "'***'" if value else "None"
