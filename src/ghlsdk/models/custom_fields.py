"""Custom field definitions of a location (``/locations/{locationId}/customFields``)."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["CustomFieldDefinition"]


@attrs.frozen(kw_only=True, slots=False)
class CustomFieldDefinition:
    """A custom field of a location: its ``id`` (what contacts carry in ``customFields``) and
    its ``field_key`` (``"contact.company_size"``, stable and readable). ``data_type`` is the
    field kind (``TEXT``, ``NUMERICAL``, ``CHECKBOX``, ``MULTIPLE_OPTIONS``...), ``model``
    ``contact`` or ``opportunity``."""

    id: str | None = None
    name: str | None = None
    field_key: str | None = None
    placeholder: str | None = None
    data_type: str | None = None
    position: float | None = None
    picklist_options: list[Any] | None = None
    is_allowed_custom_option: bool | None = None
    location_id: str | None = None
    model: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
