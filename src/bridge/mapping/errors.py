"""Errors of [`bridge.mapping`][bridge.mapping]: per-item conversion errors and schema mismatches.

Bad input is reported per item with [`ItemError`][bridge.mapping.ItemError] (and its subclasses), so
a caller can record the failure and go on with the next item. A Ninox schema that does not fit the
mappings raises one [`SchemaMismatchError`][bridge.mapping.SchemaMismatchError] listing every
[`SchemaProblem`][bridge.mapping.SchemaProblem].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

__all__ = [
    "FieldProblem",
    "ItemError",
    "MappingError",
    "MappingWarning",
    "MissingKeyError",
    "SchemaMismatchError",
    "SchemaProblem",
    "UnresolvedReferenceError",
]


class MappingError(ValueError):
    """Base class of every error raised by [`bridge.mapping`][bridge.mapping]."""


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@attrs.frozen(kw_only=True)
class FieldProblem:
    """One field of one item that could not be converted.

    ``field`` is the mapping's field name, ``target`` the Ninox field or GHL path being
    written (or read), ``reason`` what went wrong.
    """

    field: str
    target: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (value {self.value})" if self.value else ""
        return f"{self.field} → {self.target}: {self.reason}{shown}"


class ItemError(MappingError):
    """One item (record) could not be mapped. The caller reports it and continues.

    Attributes: ``entity`` (``"contact"`` ...), ``item_id`` (the GHL id, or the Ninox record id
    when converting from Ninox, or ``None`` when unknown), ``side`` the item was read from
    (``"ghl"`` or ``"ninox"``), and ``problems``: every field that failed, not just the first.
    """

    def __init__(
        self,
        entity: str,
        item_id: str | None,
        side: str,
        problems: Sequence[FieldProblem],
        message: str | None = None,
    ) -> None:
        self.entity = entity
        self.item_id = item_id
        self.side = side
        self.problems = tuple(problems)
        where = f"{entity} {item_id!r}" if item_id is not None else f"a {entity}"
        lines = "; ".join(str(p) for p in self.problems)
        super().__init__(message or f"cannot map {where} from {side}: {lines}")


class MissingKeyError(ItemError):
    """The item has no id: a GHL object without its ``id`` (or whatever key is mapped)."""


class UnresolvedReferenceError(ItemError):
    """The parent of a child item (e.g. the contact of a task) is not known on the target side
    yet. Retry once the parent is synced ("waiting for parent")."""


@attrs.frozen(kw_only=True)
class MappingWarning:
    """A value that was mapped but not normalised, e.g. a phone number kept as given."""

    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (value {self.value})"


@attrs.frozen(kw_only=True)
class SchemaProblem:
    """One mismatch between a mapping and a Ninox schema."""

    table: str
    field: str | None
    expected: str
    found: str
    message: str

    def __str__(self) -> str:
        where = self.table if self.field is None else f"{self.table}.{self.field}"
        return f"{where}: {self.message} (expected {self.expected}, found {self.found})"


class SchemaMismatchError(MappingError):
    """The Ninox schema lacks tables or fields the mapping needs, or their types differ.

    ``problems`` lists every mismatch at once.
    """

    def __init__(self, problems: Sequence[SchemaProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"the Ninox schema does not match the mapping ({count} problem"
            f"{'s' if count != 1 else ''}):\n{lines}"
        )


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _problem(field: str, target: str, exc: Exception, raw: Any) -> FieldProblem:
    return FieldProblem(field=field, target=target, reason=_reason(exc), value=_short(raw))
