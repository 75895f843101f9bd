"""Contact models: what the API returns, and the typed inputs it accepts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from _sdkcore.serde import UNSET, OpenEnum, Unset, parse_date
from ghlsdk.models.common import AttributionSource, CustomField, DndSetting, InboundDndSetting

__all__ = ["Contact", "ContactType", "CustomFieldInput", "UpsertResult"]

_LAZY = {"lazy": True}


class ContactType(OpenEnum):
    """``lead`` or ``customer`` in practice; any other value is kept (UNCONFIRMED enum)."""

    LEAD = "lead"
    CUSTOMER = "customer"


@attrs.frozen(kw_only=True, slots=False)
class Contact:
    """A GHL contact, as returned by get, list, search, create, update and upsert.

    Every field is optional because real payloads omit empty ones; keys the SDK does not know
    are kept in ``extra`` and written back by [`ghlsdk.models.to_wire`][ghlsdk.models.to_wire].
    Timestamps are
    aware UTC datetimes; ``date_of_birth`` stays the server's string (its format differs per
    endpoint), see [`birth_date`][ghlsdk.models.Contact.birth_date].
    """

    id: str | None = None
    location_id: str | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    company_name: str | None = None
    type: ContactType | None = None
    source: str | None = None
    assigned_to: str | None = None
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    website: str | None = None
    timezone: str | None = None
    dnd: bool | None = None
    dnd_settings: dict[str, DndSetting] | None = None
    inbound_dnd_settings: dict[str, InboundDndSetting] | None = None
    tags: list[str] | None = None
    custom_fields: list[CustomField] | None = None
    date_of_birth: str | None = None
    date_added: datetime | None = None
    date_updated: datetime | None = None
    last_activity: datetime | None = None
    business_id: str | None = None
    followers: list[str] | None = None
    additional_emails: list[Any] | None = None
    additional_phones: list[Any] | None = None
    attachments: Any = None
    # Rarely read: built on first access (see ghlsdk.models._converter).
    attribution_source: AttributionSource | None = attrs.field(default=None, metadata=_LAZY)
    last_attribution_source: AttributionSource | None = attrs.field(default=None, metadata=_LAZY)
    attributions: list[AttributionSource] | None = None
    email_lower_case: str | None = None
    first_name_lower_case: str | None = None
    last_name_lower_case: str | None = None
    full_name_lower_case: str | None = None
    keyword: str | None = None
    ssn: str | None = None
    visitor_id: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def birth_date(self) -> date | None:
        """``date_of_birth`` as a date when it is in ISO form, else ``None``."""
        if not self.date_of_birth:
            return None
        try:
            return parse_date(self.date_of_birth)
        except (TypeError, ValueError):
            return None

    def custom_field(self, field_id: str) -> Any:
        """The value of custom field ``field_id``, or ``None`` if the contact has none."""
        for field in self.custom_fields or ():
            if field.id == field_id:
                return field.value
        return None


@attrs.frozen(kw_only=True, slots=False)
class UpsertResult:
    """Result of ``contacts.upsert``: ``new`` is True when a contact was created."""

    new: bool
    contact: Contact
    trace_id: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


def _check_target(instance: CustomFieldInput, attribute: Any, value: Any) -> None:
    if isinstance(instance.id, Unset) and isinstance(instance.key, Unset):
        raise ValueError("CustomFieldInput needs id= or key= to name the custom field")


@attrs.frozen(kw_only=True)
class CustomFieldInput:
    """A custom field value to write: name the field by ``id`` or by ``key``
    (e.g. ``"contact.my_field"``). ``field_value`` is a string, a number, a list of strings
    (checkbox / multi-select) or an object (file upload), by field kind."""

    id: str | Unset = UNSET
    key: str | Unset = UNSET
    field_value: Any = attrs.field(metadata={"wire": "field_value"}, validator=_check_target)
