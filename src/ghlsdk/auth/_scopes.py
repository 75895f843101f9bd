"""OAuth scopes: names, and the check a client runs before sending a request.

The client applies the same rule (a ``.write`` scope covers its ``.readonly`` twin) with
``auth.scopes`` before every request; these helpers let applications check up front.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ghlsdk.errors import MissingScopeError

__all__ = ["MissingScopeError", "Scope", "has_scope", "require_scope"]


class Scope:
    """Scope names used by the endpoints this SDK covers (see GHL's Scopes page)."""

    CONTACTS_READONLY: Final = "contacts.readonly"
    CONTACTS_WRITE: Final = "contacts.write"
    CALENDARS_EVENTS_READONLY: Final = "calendars/events.readonly"
    CALENDARS_EVENTS_WRITE: Final = "calendars/events.write"
    OAUTH_READONLY: Final = "oauth.readonly"
    OAUTH_WRITE: Final = "oauth.write"
    LOCATIONS_READONLY: Final = "locations.readonly"


def _write_twin(scope: str) -> str | None:
    # "contacts.readonly" is satisfied by "contacts.write" (a token that may change
    # contacts may read them). UNCONFIRMED for GHL; disable with write_implies_read=False.
    if scope.endswith(".readonly"):
        return scope[: -len(".readonly")] + ".write"
    return None


def has_scope(
    granted: Iterable[str] | None, needed: str | None, *, write_implies_read: bool = True
) -> bool:
    """Whether ``granted`` covers ``needed``.

    Unknown grants (``granted is None``) and operations without a scope (``needed is None``)
    count as covered: the check only rejects what is known to fail.
    """
    if granted is None or not needed:
        return True
    have = granted if isinstance(granted, (set, frozenset)) else frozenset(granted)
    if needed in have:
        return True
    twin = _write_twin(needed) if write_implies_read else None
    return twin is not None and twin in have


def require_scope(
    granted: Iterable[str] | None,
    needed: str | None,
    *,
    operation: str = "",
    write_implies_read: bool = True,
) -> None:
    """Raise [`MissingScopeError`][ghlsdk.errors.MissingScopeError] unless ``granted`` covers
    ``needed`` (see
    [`has_scope`][ghlsdk.auth.has_scope]). Call it before sending: ``require_scope(auth.scopes,
    Scope.CONTACTS_WRITE, operation="POST /contacts/")``.
    """
    if not has_scope(granted, needed, write_implies_read=write_implies_read):
        assert needed is not None
        raise MissingScopeError(operation or "this call", needed, frozenset(granted or ()))
