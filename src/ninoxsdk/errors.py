"""Errors raised by ``ninoxsdk``.

Every error derives from [`SDKError`][_sdkcore.errors.SDKError], the root shared with
``ghlsdk``. HTTP failures use the tree shared with ``ghlsdk`` (``APIStatusError`` and its per-status
subclasses, ``APIConnectionError``...). Ninox's ``{"message": ...}`` bodies become the error's
``message``. On top of that:

- [`FieldMappingError`][ninoxsdk.errors.FieldMappingError] — Ninox answered 500 to a record write,
which in practice means
  a misspelled or non-writable (formula) field. It is never retried automatically.
- [`FieldError`][ninoxsdk.errors.FieldError] and subclasses — a value could not be written: raised
by the field
  codecs *before* any request is sent, naming table, field, expected type and value.
- [`BatchWriteError`][ninoxsdk.errors.BatchWriteError] — one chunk of a batch save or delete failed:
it carries what was
  saved, what failed and what was not attempted, so nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from _sdkcore import errors as _tree
from _sdkcore.errors import *  # noqa: F403 - the shared tree, re-exported whole
from _sdkcore.errors import InternalServerError, SDKError

if TYPE_CHECKING:
    from ninoxsdk.models import Record

__all__ = [
    "BatchWriteError",
    "FailedItem",
    "FieldError",
    "FieldMappingError",
    "FieldTypeError",
    "NinoxError",
    "ReadOnlyFieldError",
    "UnknownFieldError",
    "UnknownTableError",
]
__all__ += _tree.__all__


class NinoxError(SDKError):
    """Base of the Ninox-specific errors that are not HTTP status errors.

    A subclass of the root both SDKs share, [`SDKError`][_sdkcore.errors.SDKError]: catch
    ``SDKError`` for every error of either SDK, ``APIError`` for failed requests,
    ``NinoxError`` for Ninox's own (field values, unknown tables, batch writes)."""


class FieldMappingError(InternalServerError):
    """Ninox answered 500 to a record write.

    In practice this is a client mistake: an unknown or misspelled field name, or a formula
    (computed) field, which cannot be written. The request is not retried; the cached schema
    is dropped so the next call reads it again.
    """

    hint = "Check the field names against db.schema(); formula fields are read-only."


class FieldError(NinoxError, ValueError):
    """A field value cannot be converted for Ninox. Raised before any request is sent.

    Attributes: ``table`` (name), ``field`` (name as given), ``expected`` (a description of the
    accepted Python type) and ``value`` (what was given).
    """

    def __init__(self, message: str, *, table: str, field: str, expected: str, value: Any) -> None:
        self.table = table
        self.field = field
        self.expected = expected
        self.value = value
        super().__init__(message)


class FieldTypeError(FieldError, TypeError):
    """The value has the wrong type (or form) for the field."""


class UnknownFieldError(FieldError, KeyError):
    """The name is not a field of the table (misspelled, renamed, or a formula field that the
    ``/tables`` schema omits)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ReadOnlyFieldError(FieldError):
    """The field is computed by Ninox (formula, reverse reference) and cannot be written."""


class UnknownTableError(NinoxError, LookupError):
    """No table with that name or id exists in the database schema."""


@attrs.frozen(kw_only=True)
class FailedItem:
    """One item of a batch that was sent but not saved: its position in the input, the item
    as given, and the error of the request that carried it."""

    index: int
    item: Any
    error: BaseException


class BatchWriteError(NinoxError):
    """A batch save or delete failed part-way.

    ``saved`` holds the records (or, for deletes, ids) that the server confirmed, in input
    order; ``failed`` the items whose request failed; ``pending`` the ``(index, item)`` pairs
    that were never sent because an earlier chunk failed. ``errors`` lists the distinct
    request errors; the first is also the ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        *,
        table: str,
        saved: Sequence[Record] | Sequence[int],
        failed: Sequence[FailedItem],
        pending: Sequence[tuple[int, Any]],
    ) -> None:
        self.table = table
        self.saved = list(saved)
        self.failed = list(failed)
        self.pending = list(pending)
        errors: list[BaseException] = []
        for item in failed:
            if not any(item.error is seen for seen in errors):
                errors.append(item.error)
        self.errors = errors
        super().__init__(message)

    @property
    def failed_indexes(self) -> list[int]:
        """Input positions of the items that failed."""
        return [f.index for f in self.failed]

    @property
    def pending_indexes(self) -> list[int]:
        """Input positions of the items that were not sent."""
        return [i for i, _ in self.pending]


def describe_value(value: Any) -> str:
    """A short, safe description of a value for error messages."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"


def field_names_hint(names: Mapping[str, Any] | Sequence[str], limit: int = 12) -> str:
    """``'A', 'B', ... (n more)`` for error messages."""
    listed = list(names)
    shown = ", ".join(repr(n) for n in listed[:limit])
    more = f" (+{len(listed) - limit} more)" if len(listed) > limit else ""
    return shown + more
