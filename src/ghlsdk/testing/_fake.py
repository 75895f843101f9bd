"""FakeGHL: a stateful in-memory GHL API v2 (contacts and friends) usable as an httpx transport.

It speaks the wire format of the official files (``apps/contacts.json``, ``locations.json``,
``calendars.json``, ``oauth.json``) and knows nothing about the ghlsdk client, so it can test
any HTTP client (and the ghlsdk client can be tested against it honestly).

The class is assembled from one module per job: ``_server`` (transport, pipeline, rate
limit), ``_events`` (webhook events), ``_oauth`` (tokens and the OAuth endpoints), and the
routes per area: ``_contacts``, ``_records`` (tasks, notes, task search), ``_associations``
(tags, followers, campaigns, workflows), ``_calendars``, ``_custom_fields``; ``_base`` holds
the state, ``_indexes`` the indexes beside it, ``_routes`` the route table. Faults, clocks and
the request log come from the kit shared with FakeNinox (``_sdkcore.testing``). This module
adds the constructor and the seeding helpers.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from _sdkcore.testing import RecordedRequest
from ghlsdk.testing._associations import AssociationRoutes
from ghlsdk.testing._base import (
    _CONTACT_DEFAULTS,
    BASE_URL,
    CALENDARS_VERSION,
    CONTACTS_VERSION,
    _check_wire_names,
    _derive_names,
)
from ghlsdk.testing._calendars import DEFAULT_CALENDAR_ID, CalendarRoutes
from ghlsdk.testing._contacts import ContactRoutes
from ghlsdk.testing._custom_fields import CustomFieldRoutes, field_key
from ghlsdk.testing._oauth import DEFAULT_SCOPES, OAuthRoutes
from ghlsdk.testing._records import RecordRoutes
from ghlsdk.testing._routes import OPERATIONS, ROUTES
from ghlsdk.testing._server import ServerMixin

__all__ = ["BASE_URL", "CONTACTS_VERSION", "DEFAULT_SCOPES", "OPERATIONS", "FakeGHL"]

#: The route table (kept under its old name for tests that check it against the spec).
_ROUTES = ROUTES


class FakeGHL(
    ServerMixin,
    OAuthRoutes,
    ContactRoutes,
    RecordRoutes,
    AssociationRoutes,
    CalendarRoutes,
    CustomFieldRoutes,
    httpx.BaseTransport,
    httpx.AsyncBaseTransport,
):
    """A stateful in-memory GHL API v2 (contacts, tasks, notes, appointments, tags, calendars,
    custom fields, task search...).

    Use it as the transport of any httpx client::

        fake = FakeGHL()
        http = httpx.Client(transport=fake, base_url="https://services.leadconnectorhq.com")
        ghl = GHLClient(token=fake.token, location_id=fake.location_id, http_client=http)

    It checks ``Authorization: Bearer <token>`` and the ``Version`` header, validates bodies
    against the properties the official spec declares (422 on unknown ones), keeps contacts,
    tasks, notes and appointments per location, answers with the official envelopes and
    status codes, paginates, sends the ``X-RateLimit-*`` headers and (when enabled) enforces
    a sliding-window rate limit with 429s. Faults and latency can be injected per call.
    It also runs the OAuth token endpoints ([`authorize`][ghlsdk.testing.FakeGHL.authorize], ``POST
    /oauth/token`` with
    rotating single-use refresh tokens, ``POST /oauth/locationToken``) and records
    webhook-shaped [`events`][ghlsdk.testing.FakeGHL.events] of every write.
    Thread-safe: all state sits behind one lock, which is never held while sleeping.

    Parameters:
        token: the bearer token accepted for ``location_id`` (more via
            [`add_location`][ghlsdk.testing.FakeGHL.add_location]).
        location_id: the default location.
        allow_duplicates: the location setting "Allow Duplicate Contact" (default off:
            creating a contact whose email or phone exists answers 400 with ``meta``).
        duplicate_priority: fields matched for duplicates and upserts, in priority order.
        accepted_versions: ``Version`` header values accepted (others get 401
            ``version header is invalid``). The spec enum for contacts is ``2021-07-28``.
        calendar_versions: the same for the calendars routes (spec: ``2021-04-15``).
        rate_limit: enforce the burst and daily limits (429 when exceeded). When off, the
            headers are still sent but always show a full budget.
        burst_limit: at most this many requests per location in any ``burst_interval``
            seconds (sliding window). GHL: 100 per 10 s.
        burst_interval: the window of ``burst_limit``, in seconds.
        daily_limit: requests per location per UTC day (GHL: 200,000).
        send_retry_after: add ``Retry-After`` (whole seconds) to 429s. Whether GHL sends it
            is UNCONFIRMED, hence off by default.
        latency: seconds to wait before answering each request, or a function of the
            [`RecordedRequest`][ghlsdk.testing.RecordedRequest] returning seconds.
        clock: seconds since the epoch; drives timestamps and rate-limit windows. Pass a
            [`FakeClock`][ghlsdk.testing.FakeClock] so tests never sleep (its ``sleep``/``asleep``
            become the
            defaults for latency).
        sleep: how latency is waited out (default ``time.sleep``, or the FakeClock's).
        async_sleep: the same for async requests (default ``anyio.sleep``, or the
            FakeClock's).
        missing_field_status: status for a missing required body or query field (400;
            class-validator style APIs may answer 422: configurable). ``POST /contacts/search``
            always answers 422, as reported for the real API.
        not_found_status: status for an unknown id (404; some report 400 from GHL).
        tags_echo: what tag add/remove answers in ``tags``: ``"all"`` (the contact's tags
            after the change) or ``"changed"`` (the tags in the request). UNCONFIRMED.
        max_search_window: deepest record reachable with ``page`` in search (10,000).
        seed: seed for generated ids and trace ids (deterministic runs).
        client_id: the Marketplace app's client id ``POST /oauth/token`` accepts (see
            [`authorize`][ghlsdk.testing.FakeGHL.authorize]).
        client_secret: the app's client secret ``POST /oauth/token`` accepts.
        company_id: the agency (company) of the fake's locations.
        token_ttl: ``expires_in`` of OAuth access tokens, in seconds of the fake's clock
            (static tokens from ``token``/[`add_location`][ghlsdk.testing.FakeGHL.add_location]
            never expire).
        location_token_refresh: include a ``refresh_token`` in ``/oauth/locationToken``
            answers (absent from the v2 spec, said to be added: UNCONFIRMED).
    """

    def __init__(
        self,
        *,
        token: str = "fake-ghl-token",  # noqa: S107 - a test token, not a secret
        location_id: str = "fakeLocation00000001",
        allow_duplicates: bool = False,
        duplicate_priority: tuple[str, ...] = ("email", "phone"),
        accepted_versions: Iterable[str] = (CONTACTS_VERSION,),
        calendar_versions: Iterable[str] = (CALENDARS_VERSION,),
        rate_limit: bool = False,
        burst_limit: int = 100,
        burst_interval: float = 10.0,
        daily_limit: int = 200_000,
        send_retry_after: bool = False,
        latency: float | Callable[[RecordedRequest], float] = 0.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
        missing_field_status: int = 400,
        not_found_status: int = 404,
        tags_echo: str = "all",
        max_search_window: int = 10_000,
        seed: int | None = 0,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",  # noqa: S107 - a test secret
        company_id: str = "fakeCompany000000001",
        token_ttl: int = 86399,
        location_token_refresh: bool = False,
    ) -> None:
        if burst_limit < 1 or daily_limit < 1 or burst_interval <= 0:
            raise ValueError("burst_limit, daily_limit and burst_interval must be positive")
        if tags_echo not in ("all", "changed"):
            raise ValueError("tags_echo must be 'all' or 'changed'")
        if not set(duplicate_priority) <= {"email", "phone"}:
            raise ValueError("duplicate_priority may only name 'email' and 'phone'")
        self.token = token
        self.location_id = location_id
        self.allow_duplicates = allow_duplicates
        self.duplicate_priority = tuple(duplicate_priority)
        self.accepted_versions = frozenset(accepted_versions)
        self.calendar_versions = frozenset(calendar_versions)
        self.rate_limit = rate_limit
        self.burst_limit = burst_limit
        self.burst_interval = float(burst_interval)
        self.daily_limit = daily_limit
        self.send_retry_after = send_retry_after
        self.missing_field_status = missing_field_status
        self.not_found_status = not_found_status
        self.tags_echo = tags_echo
        self.max_search_window = max_search_window
        self.client_id = client_id
        self.client_secret = client_secret
        self.company_id = company_id
        self.token_ttl = token_ttl
        self.location_token_refresh = location_token_refresh
        self._init_kit(clock=clock, sleep=sleep, async_sleep=async_sleep, latency=latency)
        self._init_state(seed)
        self.add_calendar(id=DEFAULT_CALENDAR_ID, name="Default calendar")

    def __repr__(self) -> str:
        return (
            f"FakeGHL(location_id={self.location_id!r}, contacts={len(self._contacts)}, "
            f"rate_limit={self.rate_limit})"
        )

    # ------------------------------------------------------------------ seeding

    def add_contact(self, **fields: Any) -> dict[str, Any]:
        """Seed a contact from wire (camelCase) fields; return it as GET would.

        ``id``, ``locationId`` (default: the fake's), ``dateAdded``/``dateUpdated`` (default:
        now) may be given. No duplicate check and no body validation: seed anything.
        """
        _check_wire_names(fields)
        with self._lock:
            now = self._now_iso()
            rec: dict[str, Any] = {**_CONTACT_DEFAULTS, "tags": [], "customFields": []}
            rec.update(copy.deepcopy(fields))
            rec.setdefault("id", self._new_id())
            rec.setdefault("locationId", self.location_id)
            rec.setdefault("dateAdded", now)
            rec.setdefault("dateUpdated", rec["dateAdded"])
            if rec["id"] in self._contacts:
                raise ValueError(f"a contact with id {rec['id']!r} already exists")
            _derive_names(rec)
            self._contacts[rec["id"]] = rec
            self._index_contact(rec)
            return self._render_contact(rec)

    def add_task(self, contact_id: str, **fields: Any) -> dict[str, Any]:
        """Seed a task (wire fields) under an existing contact; return it."""
        _check_wire_names(fields)
        with self._lock:
            self._seed_owner(contact_id)
            task: dict[str, Any] = {
                "id": self._new_id(),
                "title": "Task",
                "dueDate": self._now_iso(),
                "completed": False,
                **copy.deepcopy(fields),
                "contactId": contact_id,
            }
            self._add_child("tasks", task)
            return copy.deepcopy(task)

    def add_note(self, contact_id: str, **fields: Any) -> dict[str, Any]:
        """Seed a note (wire fields) under an existing contact; return it."""
        _check_wire_names(fields)
        with self._lock:
            self._seed_owner(contact_id)
            note: dict[str, Any] = {
                "id": self._new_id(),
                "body": "",
                "dateAdded": self._now_iso(),
                **copy.deepcopy(fields),
                "contactId": contact_id,
            }
            self._add_child("notes", note)
            return copy.deepcopy(note)

    def add_appointment(self, contact_id: str, **fields: Any) -> dict[str, Any]:
        """Seed an appointment of an existing contact; return it as the API lists it.

        Times default to now (start) and 30 minutes later (end), in the spec's
        ``YYYY-MM-DD HH:MM:SS`` form; pass ``startTime``/``endTime`` to choose. The calendars
        API serves it too (``GET /calendars/events``, times shown ISO 8601 with an offset).
        """
        _check_wire_names(fields)
        with self._lock:
            owner = self._seed_owner(contact_id)
            start = datetime.fromtimestamp(self.clock(), tz=timezone.utc)
            fmt = "%Y-%m-%d %H:%M:%S"
            event: dict[str, Any] = {
                "id": self._new_id(),
                "calendarId": DEFAULT_CALENDAR_ID,
                "status": "booked",
                "appointmentStatus": "booked",
                "title": "Appointment",
                "startTime": start.strftime(fmt),
                "endTime": (start + timedelta(minutes=30)).strftime(fmt),
                "locationId": owner["locationId"],
                "users": [],
                "assignedResources": [],
                "dateAdded": start.strftime(fmt),
                "dateUpdated": start.strftime(fmt),
                **copy.deepcopy(fields),
                "contactId": contact_id,
            }
            self._add_child("appointments", event)
            return copy.deepcopy(event)

    def edit_contact(self, contact_id: str, **fields: Any) -> dict[str, Any]:
        """Change a contact as if someone edited it in GHL: set the wire fields given (``None``
        clears one), bump ``dateUpdated`` and emit ``ContactUpdate`` (plus ``ContactTagUpdate``
        when the tags changed). No validation. Returns the contact as GET would."""
        _check_wire_names(fields)
        with self._lock:
            rec = self._seed_owner(contact_id)
            self._pending = []
            old_tags = list(rec.get("tags") or [])
            self._unindex_contact(rec)
            rec.update(copy.deepcopy(fields))
            _derive_names(rec)
            self._index_contact(rec)
            if "dateUpdated" not in fields:
                self._touch(rec)
            self._contact_event("ContactUpdate", rec)
            if list(rec.get("tags") or []) != old_tags:
                self._contact_event("ContactTagUpdate", rec)
            events, self._pending = self._pending, []
            out = self._render_contact(rec)
        self._dispatch(events)
        return out

    def remove_contact(self, contact_id: str) -> None:
        """Delete a contact (and its tasks, notes, appointments) as if deleted in GHL; emits
        ``ContactDelete``."""
        with self._lock:
            rec = self._seed_owner(contact_id)
            self._pending = []
            self._drop_contact(rec)
            events, self._pending = self._pending, []
        self._dispatch(events)

    def add_calendar(self, *, location_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """Seed a calendar (wire fields: ``name``, ``groupId``, ``slotDuration``...) in
        ``location_id`` (default: the fake's); return it as ``GET /calendars/`` lists it. The
        fake starts with one, ``fakeCalendar00000001``."""
        _check_wire_names(fields)
        with self._lock:
            return copy.deepcopy(self._seed_calendar(location_id or self.location_id, **fields))

    def add_custom_field(
        self,
        name: str,
        *,
        data_type: str = "TEXT",
        key: str | None = None,
        model: str = "contact",
        location_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Seed a custom field definition (``key`` defaults to ``contact.<name in snake
        case>``); return it as ``GET /locations/{id}/customFields`` lists it."""
        _check_wire_names(fields)
        with self._lock:
            location = location_id or self.location_id
            fid = self._field_id_for(key or field_key(model, name), location)
            fdef = self._custom_fields[fid]
            fdef.update(name=name, dataType=data_type, model=model, **copy.deepcopy(fields))
            self._changed()
            return copy.deepcopy(fdef)

    def custom_field_id(self, key: str) -> str:
        """The id of custom field ``key`` of the default location (created, as a TEXT field,
        on first use)."""
        with self._lock:
            return self._field_id_for(key)

    # ------------------------------------------------------------------ reading state

    @property
    def contacts(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every contact (all locations), by id, as GET returns them."""
        with self._lock:
            return {cid: self._render_contact(c) for cid, c in self._contacts.items()}

    @property
    def tasks(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every task, by id (each has its ``contactId``)."""
        with self._lock:
            return copy.deepcopy(self._tasks)

    @property
    def notes(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every note, by id (each has its ``contactId``)."""
        with self._lock:
            return copy.deepcopy(self._notes)

    @property
    def appointments(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every appointment, by id (each has its ``contactId``), as stored."""
        with self._lock:
            return copy.deepcopy(self._appointments)

    @property
    def calendars(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every calendar, by id."""
        with self._lock:
            return copy.deepcopy(self._calendars)

    @property
    def custom_fields(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every custom field definition, by id."""
        with self._lock:
            return copy.deepcopy(self._custom_fields)

    @property
    def campaigns(self) -> dict[str, list[str]]:
        """Contact id -> campaign ids the contact is in."""
        with self._lock:
            return {k: list(v) for k, v in self._campaigns.items() if v}

    @property
    def workflows(self) -> dict[str, dict[str, str | None]]:
        """Contact id -> {workflow id: eventStartTime or None}."""
        with self._lock:
            return {k: dict(v) for k, v in self._workflows.items() if v}
