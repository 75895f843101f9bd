"""The calendars API (``Version: 2021-04-15``): calendars of a location, the events of a time
window, and appointment get/create/update/delete. ``ghl.calendars`` lists; the appointment
writes are on ``ghl.appointments`` beside the contact's appointment list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timezone
from typing import Any

import httpx
from typing_extensions import Unpack

from _sdkcore._http import Call, RequestOptions
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import op
from ghlsdk.errors import APIResponseValidationError
from ghlsdk.models._converter import converter
from ghlsdk.models.calendars import Calendar, CalendarEvent
from ghlsdk.models.requests import (
    AppointmentCreate,
    AppointmentCreateFields,
    AppointmentUpdate,
    AppointmentUpdateFields,
    boolean,
    text,
)
from ghlsdk.resources._base import (
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope,
    envelope_list,
    success,
)

__all__ = ["AsyncCalendars", "Calendars"]

V2021_04_15 = "2021-04-15"
CALENDARS_READ = "calendars.readonly"
EVENTS_READ = "calendars/events.readonly"
EVENTS_WRITE = "calendars/events.write"
_APPOINTMENTS = "/calendars/events/appointments"

LIST = Operation(
    "calendars.list", "GET", "/calendars/", CALENDARS_READ, "get-calendars", V2021_04_15
)
EVENTS = Operation(
    "calendars.events", "GET", "/calendars/events", EVENTS_READ, "get-calendar-events", V2021_04_15
)
GET_APPOINTMENT = Operation(
    "appointments.get",
    "GET",
    _APPOINTMENTS + "/{event_id}",
    EVENTS_READ,
    "get-appointment",
    V2021_04_15,
)
CREATE_APPOINTMENT = Operation(
    "appointments.create", "POST", _APPOINTMENTS, EVENTS_WRITE, "create-appointment", V2021_04_15
)
UPDATE_APPOINTMENT = Operation(
    "appointments.update",
    "PUT",
    _APPOINTMENTS + "/{event_id}",
    EVENTS_WRITE,
    "edit-appointment",
    V2021_04_15,
)
DELETE_APPOINTMENT = Operation(
    "appointments.delete",
    "DELETE",
    "/calendars/events/{event_id}",
    EVENTS_WRITE,
    "delete-event",
    V2021_04_15,
)
#: Operations of ``apps/calendars.json`` the SDK exposes.
OPERATIONS = (
    LIST,
    EVENTS,
    GET_APPOINTMENT,
    CREATE_APPOINTMENT,
    UPDATE_APPOINTMENT,
    DELETE_APPOINTMENT,
)


def epoch_ms(name: str, value: Any) -> str:
    """An aware datetime, a date (its UTC midnight) or epoch milliseconds → the API's
    millisecond string."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware (a naive datetime is ambiguous)")
        return str(int(value.timestamp() * 1000))
    if isinstance(value, date):
        return str(int(datetime.combine(value, time(), timezone.utc).timestamp() * 1000))
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    raise TypeError(f"{name} must be an aware datetime, a date or epoch milliseconds (int)")


def _parse_calendars(response: httpx.Response) -> list[Calendar]:
    return envelope_list(response, "calendars", Calendar)


def _parse_events(response: httpx.Response) -> list[CalendarEvent]:
    return envelope_list(response, "events", CalendarEvent)


def _parse_event(response: httpx.Response) -> CalendarEvent:
    return envelope(response, "event", CalendarEvent)


def _parse_written(response: httpx.Response) -> CalendarEvent:
    """Create/update answer the appointment itself (``AppointmentSchemaResponse``); an
    ``{"appointment": ...}`` or ``{"event": ...}`` envelope is accepted too (tolerant)."""
    body = json_body(response)
    if not isinstance(body, Mapping):
        raise APIResponseValidationError(
            "expected the appointment as a JSON object", response=response, body=body
        )
    for key in ("appointment", "event"):
        if isinstance(body.get(key), Mapping) and "id" not in body:
            body = body[key]
            break
    return structure(converter, body, CalendarEvent, response)


def list_calendars(
    ctx: Context,
    *,
    group_id: str | None = None,
    show_drafted: bool | None = None,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[list[Calendar]]:
    """Every calendar of the location (one request; the API does not page), optionally of
    one group. Scope: ``calendars.readonly``."""
    location = ctx.location(LIST, location_id)
    params: dict[str, Any] = {"locationId": location, "groupId": text("group_id", group_id)}
    if show_drafted is not None:
        params["showDrafted"] = "true" if boolean("show_drafted", show_drafted) else "false"
    spec = ctx.spec(LIST, params=params, location_id=location, options=options)
    return Call(spec, _parse_calendars)


def list_events(
    ctx: Context,
    start: datetime | date | int,
    end: datetime | date | int,
    *,
    calendar_id: str | None = None,
    user_id: str | None = None,
    group_id: str | None = None,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[list[CalendarEvent]]:
    """The events (appointments) between ``start`` and ``end`` of one calendar, user or
    group (``GET /calendars/events``; aware datetimes, dates or epoch milliseconds, sent
    as milliseconds). One request for the whole window.
    Scope: ``calendars/events.readonly``."""
    owners = {"calendarId": calendar_id, "userId": user_id, "groupId": group_id}
    if not any(owners.values()):
        raise ValueError("calendars.events() needs calendar_id=, user_id= or group_id=")
    for name, value in owners.items():
        text(name, value)
    start_ms, end_ms = epoch_ms("start", start), epoch_ms("end", end)
    if int(end_ms) < int(start_ms):
        raise ValueError("end must not be before start")
    location = ctx.location(EVENTS, location_id)
    params = {"locationId": location, **owners, "startTime": start_ms, "endTime": end_ms}
    spec = ctx.spec(EVENTS, params=params, location_id=location, options=options)
    return Call(spec, _parse_events)


def get_appointment(
    ctx: Context, event_id: str, *, options: RequestOptions | None = None
) -> Call[CalendarEvent]:
    """One appointment by its event id (``GET /calendars/events/appointments/{id}``).
    Scope: ``calendars/events.readonly``."""
    spec = ctx.spec(GET_APPOINTMENT, path_params={"event_id": event_id}, options=options)
    return Call(spec, _parse_event)


def create_appointment(
    ctx: Context,
    /,
    appointment: AppointmentCreate | None = None,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
    **fields: Unpack[AppointmentCreateFields],
) -> Call[CalendarEvent]:
    """Book an appointment for a contact on a calendar (``POST
    /calendars/events/appointments``) from an
    [`AppointmentCreate`][ghlsdk.models.requests.AppointmentCreate] or its fields as keyword
    arguments; times are aware datetimes or ISO 8601 strings. Only the fields you set are
    sent. Scope: ``calendars/events.write``."""
    body = AppointmentCreate.of(appointment, fields).to_body()
    location = ctx.location(CREATE_APPOINTMENT, location_id)
    body["locationId"] = location
    spec = ctx.spec(CREATE_APPOINTMENT, json=body, location_id=location, options=options)
    return Call(spec, _parse_written)


def update_appointment(
    ctx: Context,
    /,
    event_id: str,
    changes: AppointmentUpdate | None = None,
    *,
    options: RequestOptions | None = None,
    **fields: Unpack[AppointmentUpdateFields],
) -> Call[CalendarEvent]:
    """Change the fields set in an
    [`AppointmentUpdate`][ghlsdk.models.requests.AppointmentUpdate] (or given as keyword
    arguments) of an appointment (``PUT /calendars/events/appointments/{id}``; UNSET ones
    are not sent). Scope: ``calendars/events.write``."""
    body = AppointmentUpdate.of(changes, fields).to_body()
    if not body:
        raise ValueError("appointments.update() was given no field to change")
    path = {"event_id": event_id}
    return Call(
        ctx.spec(UPDATE_APPOINTMENT, path_params=path, json=body, options=options), _parse_written
    )


def delete_appointment(
    ctx: Context, event_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Delete an appointment (``DELETE /calendars/events/{id}``).
    Scope: ``calendars/events.write``."""
    # The spec declares a (schema-less) JSON body for this DELETE: send an empty object.
    path = {"event_id": event_id}
    return Call(ctx.spec(DELETE_APPOINTMENT, path_params=path, json={}, options=options), success)


class _Calendars:
    """The methods of [`Calendars`][ghlsdk.resources.Calendars] and its async twin."""

    list = op(list_calendars)
    events = op(list_events)


class Calendars(_Calendars, SyncResource):
    """Calendars of a location and their events (``ghl.calendars``)."""


class AsyncCalendars(_Calendars, AsyncResource):
    """Calendars of a location and their events (``ghl.calendars`` on the async client)."""
