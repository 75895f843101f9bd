"""GHL helpers shared by the upsert helpers and the sync engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bridge._program import Do
from ghlsdk.models import to_wire

__all__ = ["CHILD_RESOURCES", "as_wire", "get_contact", "list_children"]

#: Entities GHL keeps under a contact, and the client resource that lists them.
CHILD_RESOURCES: Final[Mapping[str, str]] = {
    "task": "tasks",
    "note": "notes",
    "appointment": "appointments",
}


def as_wire(item: Any) -> dict[str, Any]:
    """A GHL model (or an already-wire dict) as the API's camelCase JSON object."""
    return dict(item) if isinstance(item, Mapping) else to_wire(item)


def get_contact(contact_id: str) -> Do:
    return Do("ghl", lambda ghl: ghl.contacts.get(contact_id))


def list_children(resource: str, contact_id: str) -> Do:
    """The tasks / notes / appointments of one contact (``resource`` from CHILD_RESOURCES)."""
    return Do("ghl", lambda ghl: getattr(ghl, resource).list(contact_id))
