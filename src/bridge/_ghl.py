"""GHL wire helpers shared by the upsert helpers and the sync engine's effects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from ghlsdk.models import CustomFieldInput, to_wire

__all__ = ["CHILD_ENTITIES", "as_wire", "ghl_arguments"]

#: Entities GHL keeps under a contact (listed per contact).
CHILD_ENTITIES: Final = ("task", "note", "appointment")

_CAMEL: Final = re.compile(r"(?<!^)([A-Z])")


def as_wire(item: Any) -> dict[str, Any]:
    """A GHL model (or an already-wire dict) as the API's camelCase JSON object."""
    return dict(item) if isinstance(item, Mapping) else to_wire(item)


def ghl_arguments(body: Mapping[str, Any]) -> dict[str, Any]:
    """A GHL wire body (``{"firstName": ...}``) as keyword arguments of ``contacts.update``
    / ``contacts.upsert`` (``first_name=...``); custom fields become ``CustomFieldInput``."""
    kwargs: dict[str, Any] = {}
    for key, value in body.items():
        name = _CAMEL.sub(r"_\1", key).lower()
        if name == "custom_fields" and isinstance(value, list):
            value = [
                CustomFieldInput(id=v["id"], field_value=v.get("field_value", v.get("value")))
                if isinstance(v, Mapping)
                else v
                for v in value
            ]
        kwargs[name] = value
    return kwargs
