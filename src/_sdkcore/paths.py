"""Path parameters and base URLs that cannot be used to reach somewhere unintended."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

import httpx

__all__ = ["build_path", "path_param", "validate_base_url"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def path_param(value: object, *, name: str = "id") -> str:
    """Validate one path segment and percent-encode it.

    Raises ``ValueError`` (before any request is built) for an empty or whitespace-only value,
    one with surrounding whitespace, a ``/`` or ``\\``, ``.`` or ``..``, or a control character,
    so an id can never leave its segment. Integers are accepted and formatted.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    text = str(value)
    problem = _segment_problem(text)
    if problem:
        raise ValueError(f"invalid {name} {text!r}: {problem}")
    return quote(text, safe="")


def _segment_problem(text: str) -> str:
    if not text.strip():
        return "it is empty; pass the id of an existing record"
    if text != text.strip():
        return "it has leading or trailing whitespace; strip it first"
    if "/" in text or "\\" in text:
        return "it contains a slash, which would change the request path"
    if text in (".", ".."):
        return "it is a relative path segment"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "it contains a control character"
    return ""


def build_path(template: str, **params: object) -> str:
    """Fill ``template`` (``"/contacts/{contact_id}/tasks"``) with validated, encoded segments."""
    return template.format(**{key: path_param(value, name=key) for key, value in params.items()})


def validate_base_url(url: str | httpx.URL) -> httpx.URL:
    """Return ``url`` parsed, or raise ``ValueError`` if credentials could leak over it.

    HTTPS is required, except for loopback hosts (``localhost``, ``127.0.0.0/8``, ``::1``)
    where plain HTTP is allowed for local servers and tests. Query strings and fragments are
    refused: they would be silently dropped or appended to every request.
    """
    parsed = httpx.URL(str(url))
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise ValueError(f"base URL {str(url)!r} must be an absolute https:// URL")
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise ValueError(
            f"base URL {str(url)!r} uses plain http; use https:// "
            "(http is only allowed for localhost / 127.0.0.1 / ::1)"
        )
    if parsed.query or parsed.fragment:
        raise ValueError(f"base URL {str(url)!r} must not contain a query string or fragment")
    if parsed.userinfo:
        raise ValueError("base URL must not contain credentials; pass them as arguments")
    return parsed.copy_with(path=parsed.path.rstrip("/") or "")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
