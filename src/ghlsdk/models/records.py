"""Task, note and appointment models (records that live under a contact)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from _sdkcore.serde import OpenEnum

__all__ = ["Appointment", "AppointmentStatus", "Note", "Task"]


@attrs.frozen(kw_only=True, slots=False)
class Task:
    """A task of a contact."""

    id: str | None = None
    title: str | None = None
    body: str | None = None
    assigned_to: str | None = None
    due_date: datetime | None = None
    completed: bool | None = None
    contact_id: str | None = None
    location_id: str | None = None
    date_added: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=False)
class Note:
    """A note on a contact."""

    id: str | None = None
    body: str | None = None
    user_id: str | None = None
    contact_id: str | None = None
    date_added: datetime | None = None
    title: str | None = None
    color: str | None = None
    pinned: bool | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


class AppointmentStatus(OpenEnum):
    """Status of an appointment (UNCONFIRMED list; other values are kept)."""

    NEW = "new"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    SHOWED = "showed"
    NOSHOW = "noshow"
    INVALID = "invalid"


@attrs.frozen(kw_only=True, slots=False)
class Appointment:
    """An appointment of a contact (``GET /contacts/{id}/appointments``).

    The API sends times like ``"2021-07-16 11:00:00"`` without a zone; they are read as UTC
    (the real zone is UNCONFIRMED — it may be the location's).
    """

    id: str | None = None
    calendar_id: str | None = None
    location_id: str | None = None
    contact_id: str | None = None
    group_id: str | None = None
    title: str | None = None
    status: str | None = None
    appointment_status: AppointmentStatus | None = None
    assigned_user_id: str | None = None
    users: list[str] | None = None
    assigned_resources: list[str] | None = None
    notes: str | None = None
    address: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    date_added: datetime | None = None
    date_updated: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
