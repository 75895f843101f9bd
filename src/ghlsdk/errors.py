"""The GHL error tree: the shared one, plus GHL-specific cases.

Every error the client raises about a request derives from [`APIError`][ghlsdk.errors.APIError].
Non-2xx
answers raise an [`APIStatusError`][ghlsdk.errors.APIStatusError] subclass chosen by status; GHL
specifics:

- [`DuplicateContactError`][ghlsdk.errors.DuplicateContactError] (a
[`BadRequestError`][ghlsdk.errors.BadRequestError]): creating a contact whose email
  or phone already exists in a location that forbids duplicates; carries ``contact_id`` and
  ``matching_field``.
- [`NotFoundBadRequestError`][ghlsdk.errors.NotFoundBadRequestError]: GHL sometimes answers an
unknown id with 400 "... not
  found"; this error is both a [`BadRequestError`][ghlsdk.errors.BadRequestError] and a
  [`NotFoundError`][ghlsdk.errors.NotFoundError].
- [`MissingScopeError`][ghlsdk.errors.MissingScopeError]: raised *before* sending when the token's
known scopes lack the
  scope an operation needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from _sdkcore import errors as _tree
from _sdkcore.errors import *  # noqa: F403 - the shared tree, re-exported whole
from _sdkcore.errors import APIError, APIStatusError, BadRequestError, NotFoundError

__all__ = ["DuplicateContactError", "MissingScopeError", "NotFoundBadRequestError"]
__all__ += _tree.__all__


class DuplicateContactError(BadRequestError):
    """400: the location does not allow duplicate contacts and one already matches.

    ``contact_id`` is the existing contact, ``matching_field`` the field that matched
    (``"email"`` or ``"phone"``), ``contact_name`` its name when the server sent it.
    """

    hint = "Update the existing contact (contact_id) or use contacts.upsert() instead."

    contact_id: str | None = None
    matching_field: str | None = None
    contact_name: str | None = None


class NotFoundBadRequestError(BadRequestError, NotFoundError):
    """400 whose message says the record was not found (GHL answers some unknown ids so).

    Catch it as [`NotFoundError`][ghlsdk.errors.NotFoundError] (or as
    [`BadRequestError`][ghlsdk.errors.BadRequestError])."""

    hint = NotFoundError.hint


class MissingScopeError(APIError):
    """The token's scopes (as known to the client) lack what an operation needs.

    Raised before any request. ``scope`` is the missing scope, ``operation`` the SDK method.
    """

    def __init__(self, operation: str, scope: str, granted: frozenset[str]) -> None:
        self.operation = operation
        self.scope = scope
        self.granted = granted
        shown = ", ".join(sorted(granted)) or "none"
        super().__init__(
            f"{operation} needs the {scope!r} scope, but the token only has: {shown}. "
            f"Re-authorize the app (or re-issue the Private Integration token) with {scope!r}."
        )


_NOT_FOUND_RE = re.compile(r"\bnot\s+found\b", re.IGNORECASE)


def ghl_error_factory(
    response: httpx.Response, body: object, messages: tuple[str, ...], request_id: str | None
) -> APIStatusError | None:
    """Turn GHL-specific error bodies into their own classes (the core's ``error_factory``)."""
    if response.status_code != 400:
        return None
    message = "; ".join(messages) or "Bad Request"
    meta = body.get("meta") if isinstance(body, Mapping) else None
    if not isinstance(meta, Mapping):
        meta = None
    duplicate = meta is not None and (
        "contactId" in meta or "duplicate" in message.lower() or "matchingField" in meta
    )
    if not duplicate and not _NOT_FOUND_RE.search(message):
        return None
    cls = DuplicateContactError if duplicate else NotFoundBadRequestError
    error = cls(message, response=response, body=body, messages=messages, request_id=request_id)
    if isinstance(error, DuplicateContactError) and meta is not None:
        error.contact_id = _opt_str(meta.get("contactId"))
        error.matching_field = _opt_str(meta.get("matchingField"))
        error.contact_name = _opt_str(meta.get("contactName"))
    return error


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
