"""Typed webhook events: a tagged union on the payload's ``type``, with a fallback.

Field lists follow GHL's webhook schemas (``specs/ghl/webhooks/*.schema.json``). Every field
is optional (real payloads omit some, e.g. ``TaskCreate`` without ``contactId``), unknown
keys are kept in ``extra``, and an event type this SDK does not know becomes
[`UnknownEvent`][ghlsdk.webhooks.UnknownEvent] with the whole payload in ``raw``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import attrs
import cattrs

from _sdkcore.errors import SDKError
from _sdkcore.logging import get_logger
from _sdkcore.serde import make_converter, parse_datetime

__all__ = [
    "EVENT_TYPES",
    "AppTrial",
    "AppointmentCreateEvent",
    "AppointmentDeleteEvent",
    "AppointmentEvent",
    "AppointmentUpdateEvent",
    "ContactCreateEvent",
    "ContactDeleteEvent",
    "ContactDndUpdateEvent",
    "ContactEvent",
    "ContactTagUpdateEvent",
    "ContactUpdateEvent",
    "DndChannelSetting",
    "InstallEvent",
    "NoteCreateEvent",
    "NoteDeleteEvent",
    "NoteEvent",
    "NoteUpdateEvent",
    "TaskCompleteEvent",
    "TaskCreateEvent",
    "TaskDeleteEvent",
    "TaskEvent",
    "UninstallEvent",
    "UnknownEvent",
    "WebhookAppointment",
    "WebhookCustomField",
    "WebhookEvent",
    "WebhookPayloadError",
    "WhitelabelDetails",
    "parse_event",
]

_log = get_logger("ghlsdk.webhooks")


class WebhookPayloadError(SDKError, ValueError):
    """The webhook body is not a JSON object (or, with ``strict=True``, does not match the
    schema of its event type)."""


# -- shared parts ------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class WebhookEvent:
    """Fields every delivery may carry. ``type`` is the raw event name; ``timestamp`` and
    ``webhook_id`` (for de-duplication) come with real deliveries, not the docs' examples."""

    type: str
    location_id: str | None = None
    app_id: str | None = None
    version_id: str | None = None
    webhook_id: str | None = None
    timestamp: datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class WebhookCustomField:
    """A custom field value on a contact event; ``value`` may be any JSON type."""

    id: str | None = None
    value: Any = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class DndChannelSetting:
    """Do-not-disturb state of one channel (``SMS``, ``Email``, ``Call``, ``WhatsApp``...)."""

    status: str | None = None
    message: str | None = None
    code: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


# -- contacts ----------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class ContactEvent(WebhookEvent):
    """Fields of the contact events (``id`` is the contact id)."""

    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company_name: str | None = None
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    website: str | None = None
    source: str | None = None
    date_added: datetime | None = None
    date_of_birth: datetime | None = None
    dnd: bool | None = None
    tags: tuple[str, ...] = ()
    attachments: tuple[Any, ...] = ()
    assigned_to: str | None = None
    custom_fields: tuple[WebhookCustomField, ...] = ()


@attrs.frozen(kw_only=True)
class ContactCreateEvent(ContactEvent):
    """``ContactCreate``: a contact was created."""


@attrs.frozen(kw_only=True)
class ContactUpdateEvent(ContactEvent):
    """``ContactUpdate``: a contact changed."""


@attrs.frozen(kw_only=True)
class ContactDeleteEvent(ContactEvent):
    """``ContactDelete``: a contact was deleted."""


@attrs.frozen(kw_only=True)
class ContactTagUpdateEvent(ContactEvent):
    """``ContactTagUpdate``: a contact's tags changed (``tags`` holds the new list)."""


@attrs.frozen(kw_only=True)
class ContactDndUpdateEvent(ContactEvent):
    """``ContactDndUpdate``: a contact's do-not-disturb settings changed."""

    dnd_settings: Mapping[str, DndChannelSetting] | None = None


# -- tasks and notes -----------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class TaskEvent(WebhookEvent):
    """Fields of the task events (``id`` is the task id; ``contact_id`` may be missing)."""

    id: str | None = None
    contact_id: str | None = None
    title: str | None = None
    body: str | None = None
    assigned_to: str | None = None
    date_added: datetime | None = None
    due_date: datetime | None = None


@attrs.frozen(kw_only=True)
class TaskCreateEvent(TaskEvent):
    """``TaskCreate``."""


@attrs.frozen(kw_only=True)
class TaskCompleteEvent(TaskEvent):
    """``TaskComplete``."""


@attrs.frozen(kw_only=True)
class TaskDeleteEvent(TaskEvent):
    """``TaskDelete``."""


@attrs.frozen(kw_only=True)
class NoteEvent(WebhookEvent):
    """Fields of the note events (``id`` is the note id)."""

    id: str | None = None
    contact_id: str | None = None
    body: str | None = None
    date_added: datetime | None = None


@attrs.frozen(kw_only=True)
class NoteCreateEvent(NoteEvent):
    """``NoteCreate``."""


@attrs.frozen(kw_only=True)
class NoteUpdateEvent(NoteEvent):
    """``NoteUpdate``."""


@attrs.frozen(kw_only=True)
class NoteDeleteEvent(NoteEvent):
    """``NoteDelete``."""


# -- appointments --------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class WebhookAppointment:
    """The ``appointment`` object of appointment events (times as aware UTC datetimes)."""

    id: str | None = None
    title: str | None = None
    calendar_id: str | None = None
    contact_id: str | None = None
    group_id: str | None = None
    appointment_status: str | None = None
    assigned_user_id: str | None = None
    users: tuple[str, ...] = ()
    address: str | None = None
    notes: str | None = None
    source: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    date_added: datetime | None = None
    date_updated: datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class AppointmentEvent(WebhookEvent):
    """Fields of the appointment events."""

    appointment: WebhookAppointment | None = None


@attrs.frozen(kw_only=True)
class AppointmentCreateEvent(AppointmentEvent):
    """``AppointmentCreate``."""


@attrs.frozen(kw_only=True)
class AppointmentUpdateEvent(AppointmentEvent):
    """``AppointmentUpdate``."""


@attrs.frozen(kw_only=True)
class AppointmentDeleteEvent(AppointmentEvent):
    """``AppointmentDelete``."""


# -- app install -----------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class AppTrial:
    """Trial details of an install."""

    on_trial: bool | None = None
    trial_duration: float | None = None
    trial_start_date: datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class WhitelabelDetails:
    """White-label branding of the installing agency."""

    domain: str | None = None
    logo_url: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class InstallEvent(WebhookEvent):
    """``INSTALL``: the app was installed on a location (``location_id`` set) or an agency
    (only ``company_id``). A good moment to mint and store a location token."""

    company_id: str | None = None
    user_id: str | None = None
    plan_id: str | None = None
    install_type: str | None = None
    company_name: str | None = None
    is_whitelabel_company: bool | None = None
    whitelabel_details: WhitelabelDetails | None = None
    trial: AppTrial | None = None


@attrs.frozen(kw_only=True)
class UninstallEvent(WebhookEvent):
    """``UNINSTALL``: the app was removed; delete the stored tokens for this key."""

    company_id: str | None = None
    user_id: str | None = None
    plan_id: str | None = None


@attrs.frozen(kw_only=True)
class UnknownEvent(WebhookEvent):
    """An event type this SDK does not model (or, with ``strict=False``, a known type whose
    payload did not fit its model: ``parse_error`` says why). ``raw`` is the payload."""

    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    parse_error: str | None = None

    @classmethod
    def from_payload(cls, data: Mapping[str, Any], parse_error: str | None = None) -> UnknownEvent:
        """Keep ``data`` whole; pick out the common fields that have the expected types."""
        timestamp: datetime | None
        try:
            timestamp = parse_datetime(data["timestamp"]) if data.get("timestamp") else None
        except (TypeError, ValueError):
            timestamp = None
        return cls(
            type=_str(data.get("type")) or "",
            location_id=_str(data.get("locationId")),
            app_id=_str(data.get("appId")),
            version_id=_str(data.get("versionId")),
            webhook_id=_str(data.get("webhookId")),
            timestamp=timestamp,
            raw=dict(data),
            parse_error=parse_error,
        )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


EVENT_TYPES: Final[Mapping[str, type[WebhookEvent]]] = {
    "ContactCreate": ContactCreateEvent,
    "ContactUpdate": ContactUpdateEvent,
    "ContactDelete": ContactDeleteEvent,
    "ContactTagUpdate": ContactTagUpdateEvent,
    "ContactDndUpdate": ContactDndUpdateEvent,
    "TaskCreate": TaskCreateEvent,
    "TaskComplete": TaskCompleteEvent,
    "TaskDelete": TaskDeleteEvent,
    "NoteCreate": NoteCreateEvent,
    "NoteUpdate": NoteUpdateEvent,
    "NoteDelete": NoteDeleteEvent,
    "AppointmentCreate": AppointmentCreateEvent,
    "AppointmentUpdate": AppointmentUpdateEvent,
    "AppointmentDelete": AppointmentDeleteEvent,
    "INSTALL": InstallEvent,
    "UNINSTALL": UninstallEvent,
}
"""Event class for each ``type`` value; other types parse as ``UnknownEvent``."""


def _optional_datetime(value: Any, _type: Any) -> datetime | None:
    # Real payloads sometimes carry "" for an unset date: read it as missing.
    if value is None or value == "":
        return None
    return parse_datetime(value)


@lru_cache(maxsize=1)
def _converter() -> cattrs.Converter:
    conv = make_converter(detailed_validation=True)
    conv.register_structure_hook_func(lambda t: t == (datetime | None), _optional_datetime)
    return conv


def load_payload(body: bytes | bytearray | memoryview | str | Mapping[str, Any]) -> dict[str, Any]:
    """The webhook body as a dict; [`WebhookPayloadError`][ghlsdk.webhooks.WebhookPayloadError] if
    it is not a JSON object."""
    if isinstance(body, Mapping):
        return dict(body)
    if isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body)
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    else:
        raise TypeError(f"body must be bytes, str or a mapping, got {type(body).__name__}")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise WebhookPayloadError(f"webhook body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise WebhookPayloadError(
            f"webhook body must be a JSON object, got a JSON {type(data).__name__}"
        )
    return data


def parse_event(
    body: bytes | bytearray | memoryview | str | Mapping[str, Any], *, strict: bool = False
) -> WebhookEvent:
    """Parse a webhook body into its typed event (see [`EVENT_TYPES`][ghlsdk.webhooks.EVENT_TYPES]).

    An unknown ``type`` gives [`UnknownEvent`][ghlsdk.webhooks.UnknownEvent]. A known type whose
    payload does not fit
    its model raises [`WebhookPayloadError`][ghlsdk.webhooks.WebhookPayloadError] when ``strict``;
    otherwise it is logged and
    returned as [`UnknownEvent`][ghlsdk.webhooks.UnknownEvent] with ``parse_error`` set, so no
    delivery is dropped.
    """
    data = load_payload(body)
    event_type = data.get("type")
    cls = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    if cls is None:
        return UnknownEvent.from_payload(data)
    try:
        event: WebhookEvent = _converter().structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        detail = (
            "; ".join(cattrs.transform_error(exc))
            if isinstance(exc, cattrs.BaseValidationError)
            else f"{type(exc).__name__}: {exc}"
        )
        if strict:
            raise WebhookPayloadError(
                f"{event_type} payload does not fit its model: {detail}"
            ) from exc
        _log.warning(
            "%s payload did not fit its model (%s); returning UnknownEvent", event_type, detail
        )
        return UnknownEvent.from_payload(data, parse_error=detail)
    return event
