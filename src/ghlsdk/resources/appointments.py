"""Appointments of a contact."""

from __future__ import annotations

import builtins

import httpx

from _sdkcore._http import Call, RequestOptions
from ghlsdk.models.records import Appointment
from ghlsdk.resources._base import (
    READ,
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope_list,
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
    """Appointments of a contact (``ghl.appointments``)."""

    def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Appointment]:
        """All appointments of a contact (unpaginated). Scope: ``contacts.readonly``."""
        return self._run.execute(list_appointments(self._ctx, contact_id, options=options))


class AsyncAppointments(AsyncResource):
    """Appointments of a contact (``ghl.appointments`` on the async client)."""

    async def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Appointment]:
        """All appointments of a contact (unpaginated). Scope: ``contacts.readonly``."""
        return await self._run.execute(list_appointments(self._ctx, contact_id, options=options))
