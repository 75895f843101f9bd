"""Pure checks and conversions for request arguments (raise before any request)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from _sdkcore.serde import Unset
from ghlsdk.models._converter import to_wire
from ghlsdk.models.common import CustomField, DndSetting, InboundDndSetting
from ghlsdk.models.contacts import CustomFieldInput

__all__ = [
    "custom_fields",
    "dnd_settings",
    "inbound_dnd",
    "iso_datetime",
    "string_list",
    "text",
]


def text(name: str, value: Any, *, nullable: bool = True) -> Any:
    """A string argument (or ``None`` when ``nullable``)."""
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    return value


def boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def string_list(name: str, value: Any, *, allow_empty: bool = True) -> list[str]:
    """A list of non-empty strings; a bare string is refused (it would be split per letter)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(
            f"{name} must be a list of strings, not {type(value).__name__}"
            + (f"; wrap a single one: [{value!r}]" if isinstance(value, str) else "")
        )
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"every item of {name} must be a non-empty string, got {item!r}")
        out.append(item)
    if not out and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    return out


def iso_datetime(name: str, value: Any) -> str:
    """An aware datetime (sent as ISO 8601, ``Z`` for UTC) or an ISO string as given."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{name} must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc)); "
                "a naive datetime is ambiguous"
            )
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value.strip():
        return value
    raise TypeError(f"{name} must be an aware datetime or an ISO 8601 string, not {value!r}")


def date_of_birth(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        return value
    raise TypeError(f"date_of_birth must be a date or a string like '1990-09-25', not {value!r}")


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def dnd_settings(value: Any) -> dict[str, Any]:
    """``{"Email": DndSetting(status="active")}`` → the wire object (a mapping is kept)."""
    if not isinstance(value, Mapping):
        raise TypeError("dnd_settings must be a mapping of channel name to DndSetting")
    out: dict[str, Any] = {}
    for channel, setting in value.items():
        if not isinstance(channel, str):
            raise TypeError(f"dnd_settings keys must be channel names, got {channel!r}")
        if isinstance(setting, DndSetting):
            out[channel] = _without_none(to_wire(setting))
        elif isinstance(setting, Mapping) and "status" in setting:
            out[channel] = dict(setting)
        else:
            raise TypeError(f"dnd_settings[{channel!r}] must be a DndSetting, got {setting!r}")
    return out


def inbound_dnd(value: Any) -> dict[str, Any]:
    """``InboundDndSetting(status="active")`` → ``{"all": {"status": "active"}}``."""
    if isinstance(value, InboundDndSetting):
        return {"all": _without_none(to_wire(value))}
    if isinstance(value, Mapping) and isinstance(value.get("all"), Mapping):
        return dict(value)
    raise TypeError("inbound_dnd_settings must be an InboundDndSetting")


def custom_fields(value: Any) -> list[dict[str, Any]]:
    """Custom field inputs; a [`CustomField`][ghlsdk.models.CustomField] read from a contact is
    written back as
    ``{"id": ..., "field_value": value}``."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise TypeError("custom_fields must be a list of CustomFieldInput (or CustomField)")
    out: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, CustomFieldInput):
            out.append(to_wire(item))
        elif isinstance(item, CustomField):
            if not item.id:
                raise ValueError("a CustomField without an id cannot be written back")
            out.append({"id": item.id, "field_value": item.value})
        else:
            raise TypeError(
                f"custom_fields items must be CustomFieldInput or CustomField, got {item!r}"
            )
    return out


#: python argument → (wire key, conversion). ``None`` conversion means "string or None".
CONTACT_FIELDS: dict[str, tuple[str, Any]] = {
    "first_name": ("firstName", None),
    "last_name": ("lastName", None),
    "name": ("name", None),
    "email": ("email", None),
    "phone": ("phone", None),
    "gender": ("gender", None),
    "company_name": ("companyName", None),
    "address1": ("address1", None),
    "city": ("city", None),
    "state": ("state", None),
    "postal_code": ("postalCode", None),
    "country": ("country", None),
    "website": ("website", None),
    "timezone": ("timezone", None),
    "source": ("source", None),
    "assigned_to": ("assignedTo", None),
    "date_of_birth": ("dateOfBirth", date_of_birth),
    "dnd": ("dnd", lambda v: boolean("dnd", v)),
    "dnd_settings": ("dndSettings", dnd_settings),
    "inbound_dnd_settings": ("inboundDndSettings", inbound_dnd),
    "tags": ("tags", lambda v: string_list("tags", v)),
    "custom_fields": ("customFields", custom_fields),
    "create_new_if_duplicate_allowed": (
        "createNewIfDuplicateAllowed",
        lambda v: boolean("create_new_if_duplicate_allowed", v),
    ),
}


def contact_body(fields: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    """The JSON body for contact create/update/upsert: UNSET omitted, ``None`` sent as null."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Unset):
            continue
        if name not in allowed:
            raise TypeError(f"unexpected contact field {name!r}")
        key, convert = CONTACT_FIELDS[name]
        body[key] = text(name, value) if convert is None else convert(value)
    return body
