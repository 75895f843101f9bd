"""Appointments: the list of a contact (contacts API) and get/create/update/delete (calendars
API, ``Version: 2021-04-15``; builders in [`calendars`][ghlsdk.resources.calendars])."""

from __future__ import annotations

import httpx

from _sdkcore._http import Call, RequestOptions
from _sdkcore.twins import op
from ghlsdk.models.records import Appointment
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
    """All appointments of a contact (one request: the API does not page).
    Scope: ``contacts.readonly``."""
    spec = ctx.spec(LIST, path_params={"contact_id": contact_id}, options=options)
    return Call(spec, _parse_events)


class _Appointments:
    """The methods of [`Appointments`][ghlsdk.resources.Appointments] and its async twin."""

    list = op(list_appointments)
    get = op(get_appointment)
    create = op(create_appointment)
    update = op(update_appointment)
    delete = op(delete_appointment)


class Appointments(_Appointments, SyncResource):
    """Appointments (``ghl.appointments``): a contact's list, and get/create/update/delete by
    event id through the calendars API (list a time window with ``ghl.calendars.events``)."""


class AsyncAppointments(_Appointments, AsyncResource):
    """Appointments (``ghl.appointments`` on the async client): a contact's list, and
    get/create/update/delete by event id through the calendars API."""
