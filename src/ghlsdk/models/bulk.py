"""Results of the bulk contact operations (tags of many contacts, business links)."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["BulkBusinessResult", "BulkTagOutcome", "BulkTagsResult"]


@attrs.frozen(kw_only=True, slots=False)
class BulkTagOutcome:
    """What happened to one contact of a bulk tag update: ``type`` is ``"success"`` or
    ``"error"``, ``message`` says why (``"contact is deleted"``...)."""

    contact_id: str | None = None
    message: str | None = None
    type: str | None = None
    old_tags: list[str] | None = None
    tags_added: list[str] | None = None
    tags_removed: list[str] | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        """True unless the server reported an error for this contact."""
        return self.type != "error"


@attrs.frozen(kw_only=True, slots=False)
class BulkTagsResult:
    """Result of ``tags.bulk_add`` / ``tags.bulk_remove``: one outcome per contact id sent.
    The request can succeed while some contacts fail: check ``failed``."""

    succeded: bool | None = None
    error_count: int | None = None
    responses: list[BulkTagOutcome] = attrs.field(factory=list)
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def failed(self) -> list[BulkTagOutcome]:
        """The outcomes the server reported as errors."""
        return [r for r in self.responses if not r.ok]


@attrs.frozen(kw_only=True, slots=False)
class BulkBusinessResult:
    """Result of ``businesses.add_contacts`` / ``remove_contacts``: ``ids`` are the contacts
    changed."""

    success: bool | None = None
    ids: list[str] = attrs.field(factory=list)
    extra: dict[str, Any] = attrs.field(factory=dict)
