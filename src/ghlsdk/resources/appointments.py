"""Appointments: the list of a contact (contacts API) and get/create/update/delete (calendars
API, ``Version: 2021-04-15``; builders in [`calendars`][ghlsdk.resources.calendars])."""

from __future__ import annotations

import builtins
from datetime import datetime

import httpx

from _sdkcore._http import Call, RequestOptions
from _sdkcore.serde import UNSET, Unset
from ghlsdk.models.calendars import CalendarEvent
from ghlsdk.models.records import Appointment, AppointmentStatus
from ghlsdk.resources._base import (
    READ,
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope_list,
)
from ghlsdk.resources.calendars import (
    create_appointment,
    delete_appointment,
    get_appointment,
    update_appointment,
)

__all__ = ["Appointments", "AsyncAppointments"]

LIST = Operation(
    "appointments.list",
    "GET",
    "/contacts/{contact_id}/appointments",
    READ,
    "get-appointments-for-contact",
)
OPERATIONS = (LIST,)


def _parse_events(response: httpx.Response) -> list[Appointment]:
    return envelope_list(response, "events", Appointment)


def list_appointments(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[list[Appointment]]:
    spec = ctx.spec(LIST, path_params={"contact_id": contact_id}, options=options)
    return Call(spec, _parse_events)


class Appointments(SyncResource):
    """Appointments (``ghl.appointments``): a contact's list, and get/create/update/delete by
    event id through the calendars API (list a time window with ``ghl.calendars.events``)."""

    def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Appointment]:
        """All appointments of a contact (unpaginated). Scope: ``contacts.readonly``."""
        return self._run.execute(list_appointments(self._ctx, contact_id, options=options))

    def get(self, event_id: str, *, options: RequestOptions | None = None) -> CalendarEvent:
        """One appointment by its event id (``GET /calendars/events/appointments/{id}``).
        Scope: ``calendars/events.readonly``."""
        return self._run.execute(get_appointment(self._ctx, event_id, options=options))

    def create(
        self,
        *,
        calendar_id: str,
        contact_id: str,
        start_time: datetime | str,
        end_time: datetime | str | Unset = UNSET,
        title: str | Unset = UNSET,
        appointment_status: AppointmentStatus | str | Unset = UNSET,
        assigned_user_id: str | Unset = UNSET,
        address: str | Unset = UNSET,
        description: str | Unset = UNSET,
        meeting_location_type: str | Unset = UNSET,
        meeting_location_id: str | Unset = UNSET,
        override_location_config: bool | Unset = UNSET,
        ignore_date_range: bool | Unset = UNSET,
        to_notify: bool | Unset = UNSET,
        ignore_free_slot_validation: bool | Unset = UNSET,
        rrule: str | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CalendarEvent:
        """Book an appointment for a contact on a calendar (``POST
        /calendars/events/appointments``); times are aware datetimes or ISO 8601 strings.
        Only the arguments you pass are sent. Scope: ``calendars/events.write``."""
        fields = {
            k: v
            for k, v in locals().items()
            if k not in ("self", "contact_id", "location_id", "options")
        }
        return self._run.execute(
            create_appointment(
                self._ctx, fields, contact_id=contact_id, location_id=location_id, options=options
            )
        )

    def update(
        self,
        event_id: str,
        *,
        calendar_id: str | Unset = UNSET,
        start_time: datetime | str | Unset = UNSET,
        end_time: datetime | str | Unset = UNSET,
        title: str | Unset = UNSET,
        appointment_status: AppointmentStatus | str | Unset = UNSET,
        assigned_user_id: str | Unset = UNSET,
        address: str | Unset = UNSET,
        description: str | Unset = UNSET,
        meeting_location_type: str | Unset = UNSET,
        meeting_location_id: str | Unset = UNSET,
        override_location_config: bool | Unset = UNSET,
        ignore_date_range: bool | Unset = UNSET,
        to_notify: bool | Unset = UNSET,
        ignore_free_slot_validation: bool | Unset = UNSET,
        rrule: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CalendarEvent:
        """Change the given fields of an appointment (``PUT
        /calendars/events/appointments/{id}``; UNSET ones are not sent).
        Scope: ``calendars/events.write``."""
        fields = {k: v for k, v in locals().items() if k not in ("self", "event_id", "options")}
        return self._run.execute(update_appointment(self._ctx, event_id, fields, options=options))

    def delete(self, event_id: str, *, options: RequestOptions | None = None) -> None:
        """Delete an appointment (``DELETE /calendars/events/{id}``).
        Scope: ``calendars/events.write``."""
        return self._run.execute(delete_appointment(self._ctx, event_id, options=options))


class AsyncAppointments(AsyncResource):
    """Appointments (``ghl.appointments``): a contact's list, and get/create/update/delete by
    event id through the calendars API (list a time window with ``ghl.calendars.events``)."""

    async def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Appointment]:
        """All appointments of a contact (unpaginated). Scope: ``contacts.readonly``."""
        return await self._run.execute(list_appointments(self._ctx, contact_id, options=options))

    async def get(self, event_id: str, *, options: RequestOptions | None = None) -> CalendarEvent:
        """One appointment by its event id (``GET /calendars/events/appointments/{id}``).
        Scope: ``calendars/events.readonly``."""
        return await self._run.execute(get_appointment(self._ctx, event_id, options=options))

    async def create(
        self,
        *,
        calendar_id: str,
        contact_id: str,
        start_time: datetime | str,
        end_time: datetime | str | Unset = UNSET,
        title: str | Unset = UNSET,
        appointment_status: AppointmentStatus | str | Unset = UNSET,
        assigned_user_id: str | Unset = UNSET,
        address: str | Unset = UNSET,
        description: str | Unset = UNSET,
        meeting_location_type: str | Unset = UNSET,
        meeting_location_id: str | Unset = UNSET,
        override_location_config: bool | Unset = UNSET,
        ignore_date_range: bool | Unset = UNSET,
        to_notify: bool | Unset = UNSET,
        ignore_free_slot_validation: bool | Unset = UNSET,
        rrule: str | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CalendarEvent:
        """Book an appointment for a contact on a calendar (``POST
        /calendars/events/appointments``); times are aware datetimes or ISO 8601 strings.
        Only the arguments you pass are sent. Scope: ``calendars/events.write``."""
        fields = {
            k: v
            for k, v in locals().items()
            if k not in ("self", "contact_id", "location_id", "options")
        }
        return await self._run.execute(
            create_appointment(
                self._ctx, fields, contact_id=contact_id, location_id=location_id, options=options
            )
        )

    async def update(
        self,
        event_id: str,
        *,
        calendar_id: str | Unset = UNSET,
        start_time: datetime | str | Unset = UNSET,
        end_time: datetime | str | Unset = UNSET,
        title: str | Unset = UNSET,
        appointment_status: AppointmentStatus | str | Unset = UNSET,
        assigned_user_id: str | Unset = UNSET,
        address: str | Unset = UNSET,
        description: str | Unset = UNSET,
        meeting_location_type: str | Unset = UNSET,
        meeting_location_id: str | Unset = UNSET,
        override_location_config: bool | Unset = UNSET,
        ignore_date_range: bool | Unset = UNSET,
        to_notify: bool | Unset = UNSET,
        ignore_free_slot_validation: bool | Unset = UNSET,
        rrule: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CalendarEvent:
        """Change the given fields of an appointment (``PUT
        /calendars/events/appointments/{id}``; UNSET ones are not sent).
        Scope: ``calendars/events.write``."""
        fields = {k: v for k, v in locals().items() if k not in ("self", "event_id", "options")}
        return await self._run.execute(
            update_appointment(self._ctx, event_id, fields, options=options)
        )

    async def delete(self, event_id: str, *, options: RequestOptions | None = None) -> None:
        """Delete an appointment (``DELETE /calendars/events/{id}``).
        Scope: ``calendars/events.write``."""
        return await self._run.execute(delete_appointment(self._ctx, event_id, options=options))
