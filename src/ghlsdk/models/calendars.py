"""Calendar and calendar event (appointment) models of the calendars API (``Version:
2021-04-15``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ghlsdk.models.records import AppointmentStatus

__all__ = ["Calendar", "CalendarEvent", "EventCreator"]


@attrs.frozen(kw_only=True, slots=False)
class Calendar:
    """A calendar of a location (``GET /calendars/``). The API returns about 60 settings per
    calendar; the common ones are typed, the rest stay in ``extra``."""

    id: str | None = None
    location_id: str | None = None
    name: str | None = None
    description: str | None = None
    group_id: str | None = None
    calendar_type: str | None = None
    event_type: str | None = None
    event_title: str | None = None
    slug: str | None = None
    is_active: bool | None = None
    slot_duration: float | None = None
    slot_duration_unit: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=False)
class EventCreator:
    """Who created or last updated an event (``createdBy``)."""

    user_id: str | None = None
    source: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=False)
class CalendarEvent:
    """An appointment as the calendars API returns it (``GET /calendars/events``, ``GET``,
    ``POST`` and ``PUT /calendars/events/appointments``).

    Times are aware UTC datetimes (the API sends ISO 8601 with an offset). Create and update
    answer a shorter shape (``AppointmentSchemaResponse``: no ``dateAdded``/``users``) that
    parses into the same class.
    """

    id: str | None = None
    calendar_id: str | None = None
    location_id: str | None = None
    contact_id: str | None = None
    group_id: str | None = None
    title: str | None = None
    appointment_status: AppointmentStatus | None = None
    assigned_user_id: str | None = None
    users: list[str] | None = None
    assigned_resources: list[str] | None = None
    address: str | None = None
    notes: str | None = None
    description: str | None = None
    meeting_location_type: str | None = None
    is_recurring: bool | None = None
    rrule: str | None = None
    master_event_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    date_added: datetime | None = None
    date_updated: datetime | None = None
    created_by: EventCreator | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
