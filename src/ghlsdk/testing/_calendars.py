"""Calendar routes of FakeGHL (``apps/calendars.json``, ``Version: 2021-04-15``): the
location's calendars, the events of a time window, and appointment get/create/edit/delete.
Appointments are one store with the contacts API's list (``/contacts/{id}/appointments``);
each API shows its own time format."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ghlsdk.testing import _search
from ghlsdk.testing._base import _ApiError, _Ctx, event_time
from ghlsdk.testing._events import EventsMixin

__all__ = ["APPOINTMENT_STATUSES", "DEFAULT_CALENDAR_ID", "CalendarRoutes"]

DEFAULT_CALENDAR_ID = "fakeCalendar00000001"
#: ``appointmentStatus`` values the create/edit bodies accept (spec enum).
APPOINTMENT_STATUSES = ("new", "confirmed", "cancelled", "showed", "noshow", "invalid")
_TIME_FIELDS = ("startTime", "endTime", "dateAdded", "dateUpdated")
#: Fields of an appointment webhook's ``appointment`` object (webhooks/Appointment*.schema).
_WEBHOOK_APPOINTMENT_FIELDS = (
    "id",
    "address",
    "title",
    "calendarId",
    "contactId",
    "groupId",
    "appointmentStatus",
    "assignedUserId",
    "users",
    "notes",
    "source",
    "startTime",
    "endTime",
    "dateAdded",
    "dateUpdated",
)


class CalendarRoutes(EventsMixin):
    """Calendars, calendar events and appointments."""

    def _seed_calendar(self, location_id: str, **fields: Any) -> dict[str, Any]:
        calendar: dict[str, Any] = {
            "id": fields.get("id") or self._new_id(),
            "locationId": location_id,
            "name": "Calendar",
            "description": "",
            "calendarType": "event",
            "eventType": "RoundRobin_OptimizeForAvailability",
            "isActive": True,
            "slotDuration": 30,
            "slotDurationUnit": "mins",
            "teamMembers": [],
            **copy.deepcopy(fields),
        }
        self._calendars[calendar["id"]] = calendar
        self._changed()
        return calendar

    def _render_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The calendars API's shape: times ISO 8601 with an offset."""
        out = copy.deepcopy(dict(event))
        for key in _TIME_FIELDS:
            if isinstance(out.get(key), str):
                out[key] = event_time(out[key])
        out.pop("status", None)  # only the contacts API's list has the legacy ``status``
        return out

    def _event_for(self, ctx: _Ctx) -> dict[str, Any]:
        eid = ctx.params["eventId"]
        event = self._appointments.get(eid)
        if event is None or event.get("locationId") != ctx.location_id:
            raise self._not_found("Appointment", eid)
        return event

    def _appointment_event(self, kind: str, event: Mapping[str, Any]) -> None:
        shown = self._render_event(event)
        body = {k: shown.get(k) for k in _WEBHOOK_APPOINTMENT_FIELDS if shown.get(k) is not None}
        self._emit(kind, event["locationId"], {"appointment": body})

    # ------------------------------------------------------------------ routes

    def _list_calendars(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        group = q.get("groupId")
        calendars = [
            copy.deepcopy(c)
            for c in self._calendars.values()
            if c["locationId"] == location and (not group or c.get("groupId") == group)
        ]
        return 200, {"calendars": calendars}

    def _list_events(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        if not any(q.get(k) for k in ("calendarId", "userId", "groupId")):
            raise _ApiError(400, "Either of calendarId, userId or groupId is required")
        bounds = []
        for name in ("startTime", "endTime"):
            raw = q[name]
            if not raw.isdigit():
                raise _ApiError(422, [f"{name} must be a number string (milliseconds)"])
            bounds.append(int(raw))
        start, end = bounds
        out = []
        for begins, eid in self._event_times.overlapping(location, start, end):
            event = self._appointments[eid]
            ends = _search.iso_to_ms(event.get("endTime")) or begins
            if ends >= start and self._owned(event, q):  # overlaps the window
                out.append(self._render_event(event))
        return 200, {"events": out}

    @staticmethod
    def _owned(event: Mapping[str, Any], q: Mapping[str, str]) -> bool:
        if q.get("calendarId") and event.get("calendarId") != q["calendarId"]:
            return False
        if q.get("groupId") and event.get("groupId") != q["groupId"]:
            return False
        user = q.get("userId")
        return not user or event.get("assignedUserId") == user or user in event.get("users", [])

    def _get_appointment(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"event": self._render_event(self._event_for(ctx))}

    def _check_appointment(self, body: Mapping[str, Any], location: str) -> None:
        status = body.get("appointmentStatus")
        if status is not None and status not in APPOINTMENT_STATUSES:
            allowed = ", ".join(APPOINTMENT_STATUSES)
            raise _ApiError(
                422, [f"appointmentStatus must be one of the following values: {allowed}"]
            )
        for name in ("startTime", "endTime"):
            if name in body and _search.iso_to_ms(body[name]) is None:
                raise _ApiError(422, [f"{name} must be a valid ISO 8601 date string"])
        calendar = self._calendars.get(body.get("calendarId") or "")
        if "calendarId" in body and (calendar is None or calendar["locationId"] != location):
            raise _ApiError(400, f"Calendar with id {body['calendarId']} not found")

    def _create_appointment(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        contact = self._contacts.get(body["contactId"])
        if contact is None or contact["locationId"] != location:
            raise self._not_found("Contact", body["contactId"])
        self._check_appointment(body, location)
        start_ms = _search.iso_to_ms(body["startTime"]) or 0
        calendar = self._calendars[body["calendarId"]]
        minutes = int(calendar.get("slotDuration") or 30)
        end = (
            body.get("endTime")
            or datetime.fromtimestamp(start_ms / 1000 + minutes * 60, tz=timezone.utc).isoformat()
        )
        now = self._now_iso()
        event: dict[str, Any] = {
            "id": self._new_id(),
            "title": body.get("title") or "Appointment",
            "appointmentStatus": body.get("appointmentStatus") or "new",
            "users": [],
            "assignedResources": [],
            "groupId": calendar.get("groupId") or "",
            "assignedUserId": body.get("assignedUserId") or "",
            "isRecurring": bool(body.get("rrule")),
            "createdBy": {"source": "third_party"},
            **{k: copy.deepcopy(v) for k, v in body.items() if k not in _CREATE_ONLY},
            "locationId": location,
            "endTime": end,
            "dateAdded": now,
            "dateUpdated": now,
        }
        self._add_child("appointments", event)
        self._appointment_event("AppointmentCreate", event)
        return 200, self._written(event)

    def _written(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """``AppointmentSchemaResponse``: the appointment itself, without the list fields."""
        shown = self._render_event(event)
        for key in ("users", "assignedResources", "dateAdded", "dateUpdated", "createdBy"):
            shown.pop(key, None)
        return shown

    def _edit_appointment(self, ctx: _Ctx) -> tuple[int, Any]:
        event = self._event_for(ctx)
        body = self._body(ctx)
        self._check_appointment(body, ctx.location_id)
        event.update({k: copy.deepcopy(v) for k, v in body.items() if k not in _CREATE_ONLY})
        self._index_event(event)
        if "rrule" in body:
            event["isRecurring"] = bool(body["rrule"])
        event["dateUpdated"] = self._now_iso()
        self._changed()
        self._appointment_event("AppointmentUpdate", event)
        return 200, self._written(event)

    def _delete_event(self, ctx: _Ctx) -> tuple[int, Any]:
        event = self._event_for(ctx)
        self._body(ctx)
        self._drop_child("appointments", event["id"])
        self._appointment_event("AppointmentDelete", event)
        return 201, {"succeeded": True}


#: Body properties that steer the booking but are not stored on the appointment.
_CREATE_ONLY = frozenset(
    {
        "locationId",
        "ignoreDateRange",
        "toNotify",
        "ignoreFreeSlotValidation",
        "overrideLocationConfig",
        "meetingLocationId",
    }
)
