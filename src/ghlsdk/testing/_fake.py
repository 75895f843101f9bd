"""FakeGHL: a stateful in-memory GHL API v2 (contacts and friends) usable as an httpx transport.

It speaks the wire format of ``apps/contacts.json`` and knows nothing about the ghlsdk client,
so it can test any HTTP client (and the ghlsdk client can be tested against it honestly).
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import anyio
import httpx

from ghlsdk.testing import _schema, _search
from ghlsdk.testing._clock import FakeClock
from ghlsdk.testing._faults import Fault, RecordedRequest, match_request
from ghlsdk.testing._webhooks import WebhookSigner

__all__ = ["FakeGHL"]

BASE_URL = "https://services.leadconnectorhq.com"
CONTACTS_VERSION = "2021-07-28"
READ = "contacts.readonly"
WRITE = "contacts.write"

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_DUPLICATE_MESSAGE = "This location does not allow duplicated contacts."
_AUTH_MASK = "Bearer ***"

#: Contact fields a contact webhook carries (webhooks/Contact*.schema.json).
_WEBHOOK_CONTACT_FIELDS = (
    "address1",
    "city",
    "state",
    "companyName",
    "country",
    "source",
    "dateAdded",
    "dateOfBirth",
    "dnd",
    "email",
    "name",
    "firstName",
    "lastName",
    "phone",
    "postalCode",
    "tags",
    "website",
    "assignedTo",
    "customFields",
)
_WEBHOOK_TASK_FIELDS = ("assignedTo", "body", "contactId", "title", "dateAdded", "dueDate")
_WEBHOOK_NOTE_FIELDS = ("body", "contactId", "dateAdded")

# Contact keys the fake derives itself; seeds may still set them.
_CONTACT_DEFAULTS: dict[str, Any] = {"type": "lead", "dnd": False}


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str | list[str],
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


@dataclass
class _Token:
    location_id: str | None
    scopes: frozenset[str] | None
    user_type: str = "Location"
    company_id: str | None = None
    expires_at: float | None = None


@dataclass
class _Grant:
    """What an authorization code or refresh token entitles its holder to."""

    user_type: str
    location_id: str | None
    company_id: str
    scopes: tuple[str, ...]
    user_id: str


@dataclass
class _Ctx:
    rec: RecordedRequest
    location_id: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    token: _Token | None = None


@dataclass
class _Admission:
    """What the first, locked phase decided about a request."""

    rec: RecordedRequest
    ctx: _Ctx | None = None
    handler: Callable[[_Ctx], tuple[int, Any]] | None = None
    response: httpx.Response | None = None
    fault: Fault | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: str
    scope: str
    #: "location": location token + Version; "agency": company token + Version;
    #: "token": no bearer token, no Version (the OAuth token endpoint).
    kind: str = "location"


def _route(
    method: str, template: str, operation: str, handler: str, scope: str, kind: str = "location"
) -> _Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return _Route(method, re.compile(regex), operation, handler, scope, kind)


# Order matters: literal segments before {contactId} captures.
_ROUTES: tuple[_Route, ...] = (
    _route("POST", "/oauth/token", "get-access-token", "_oauth_token", "", "token"),
    _route(
        "POST",
        "/oauth/locationToken",
        "get-location-access-token",
        "_location_token",
        "oauth.write",
        "agency",
    ),
    _route("GET", "/contacts", "get-contacts", "_list_contacts", READ),
    _route("POST", "/contacts", "create-contact", "_create_contact", WRITE),
    _route("POST", "/contacts/search", "search-contacts-advanced", "_search", READ),
    _route("GET", "/contacts/search/duplicate", "get-duplicate-contact", "_duplicate", READ),
    _route("POST", "/contacts/upsert", "upsert-contact", "_upsert_contact", WRITE),
    _route(
        "GET",
        "/contacts/business/{businessId}",
        "get-contacts-by-businessId",
        "_list_by_business",
        READ,
    ),
    _route(
        "POST",
        "/contacts/bulk/business",
        "add-remove-contact-from-business",
        "_bulk_business",
        WRITE,
    ),
    _route("GET", "/contacts/{contactId}", "get-contact", "_get_contact", READ),
    _route("PUT", "/contacts/{contactId}", "update-contact", "_update_contact", WRITE),
    _route("DELETE", "/contacts/{contactId}", "delete-contact", "_delete_contact", WRITE),
    _route("GET", "/contacts/{contactId}/tasks", "get-all-tasks", "_list_tasks", READ),
    _route("POST", "/contacts/{contactId}/tasks", "create-task", "_create_task", WRITE),
    _route("GET", "/contacts/{contactId}/tasks/{taskId}", "get-task", "_get_task", READ),
    _route("PUT", "/contacts/{contactId}/tasks/{taskId}", "update-task", "_update_task", WRITE),
    _route("DELETE", "/contacts/{contactId}/tasks/{taskId}", "delete-task", "_delete_task", WRITE),
    _route(
        "PUT",
        "/contacts/{contactId}/tasks/{taskId}/completed",
        "update-task-completed",
        "_complete_task",
        WRITE,
    ),
    _route("GET", "/contacts/{contactId}/notes", "get-all-notes", "_list_notes", READ),
    _route("POST", "/contacts/{contactId}/notes", "create-note", "_create_note", WRITE),
    _route("GET", "/contacts/{contactId}/notes/{id}", "get-note", "_get_note", READ),
    _route("PUT", "/contacts/{contactId}/notes/{id}", "update-note", "_update_note", WRITE),
    _route("DELETE", "/contacts/{contactId}/notes/{id}", "delete-note", "_delete_note", WRITE),
    _route(
        "GET",
        "/contacts/{contactId}/appointments",
        "get-appointments-for-contact",
        "_list_appointments",
        READ,
    ),
    _route("POST", "/contacts/{contactId}/tags", "add-tags", "_add_tags", WRITE),
    _route("DELETE", "/contacts/{contactId}/tags", "remove-tags", "_remove_tags", WRITE),
    _route(
        "POST",
        "/contacts/{contactId}/followers",
        "add-followers-contact",
        "_add_followers",
        WRITE,
    ),
    _route(
        "DELETE",
        "/contacts/{contactId}/followers",
        "remove-followers-contact",
        "_remove_followers",
        WRITE,
    ),
    _route(
        "DELETE",
        "/contacts/{contactId}/campaigns/removeAll",
        "remove-contact-from-every-campaign",
        "_remove_all_campaigns",
        WRITE,
    ),
    _route(
        "POST",
        "/contacts/{contactId}/campaigns/{campaignId}",
        "add-contact-to-campaign",
        "_add_campaign",
        WRITE,
    ),
    _route(
        "DELETE",
        "/contacts/{contactId}/campaigns/{campaignId}",
        "remove-contact-from-campaign",
        "_remove_campaign",
        WRITE,
    ),
    _route(
        "POST",
        "/contacts/{contactId}/workflow/{workflowId}",
        "add-contact-to-workflow",
        "_add_workflow",
        WRITE,
    ),
    _route(
        "DELETE",
        "/contacts/{contactId}/workflow/{workflowId}",
        "delete-contact-from-workflow",
        "_remove_workflow",
        WRITE,
    ),
)

#: Scopes of tokens from [`FakeGHL.authorize`][ghlsdk.testing.FakeGHL.authorize] unless told
#: otherwise.
DEFAULT_SCOPES: tuple[str, ...] = (
    "contacts.readonly",
    "contacts.write",
    "oauth.readonly",
    "oauth.write",
)

#: Every operationId the fake serves (the keys of ``FakeGHL.counters``).
OPERATIONS: tuple[str, ...] = tuple(r.operation for r in _ROUTES)


def _digits(phone: Any) -> str:
    return re.sub(r"\D", "", phone) if isinstance(phone, str) else ""


class FakeGHL(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A stateful in-memory GHL API v2 (contacts, tasks, notes, appointments, tags...).

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
        self.rate_limit = rate_limit
        self.burst_limit = burst_limit
        self.burst_interval = float(burst_interval)
        self.daily_limit = daily_limit
        self.send_retry_after = send_retry_after
        self.latency = latency
        self.missing_field_status = missing_field_status
        self.not_found_status = not_found_status
        self.tags_echo = tags_echo
        self.max_search_window = max_search_window
        self.client_id = client_id
        self.client_secret = client_secret
        self.company_id = company_id
        self.token_ttl = token_ttl
        self.location_token_refresh = location_token_refresh
        self.clock: Callable[[], float] = clock if clock is not None else time.time
        if isinstance(clock, FakeClock):
            self._sleep: Callable[[float], None] = sleep or clock.sleep
            self._async_sleep: Callable[[float], Awaitable[None]] = async_sleep or clock.asleep
        else:
            self._sleep = sleep or time.sleep
            self._async_sleep = async_sleep or anyio.sleep
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._tokens: dict[str, _Token] = {token: _Token(location_id, None)}
        self._contacts: dict[str, dict[str, Any]] = {}
        self._tasks: dict[str, dict[str, Any]] = {}
        self._notes: dict[str, dict[str, Any]] = {}
        self._appointments: dict[str, dict[str, Any]] = {}
        self._campaigns: dict[str, list[str]] = {}
        self._workflows: dict[str, dict[str, str | None]] = {}
        self._custom_field_ids: dict[str, str] = {}
        self._requests: list[RecordedRequest] = []
        self._counters: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._windows: dict[str, deque[float]] = {}
        self._daily: dict[str, tuple[str, int]] = {}
        self._events: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._webhook_signer: WebhookSigner | None = None
        # OAuth: one-time codes and single-use refresh tokens -> the grant they stand for.
        self._codes: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, _Grant] = {}

    def __repr__(self) -> str:
        return (
            f"FakeGHL(location_id={self.location_id!r}, contacts={len(self._contacts)}, "
            f"rate_limit={self.rate_limit})"
        )

    # ------------------------------------------------------------------ tokens, locations

    def add_location(
        self, location_id: str, *, token: str | None = None, scopes: Iterable[str] | None = None
    ) -> str:
        """Accept ``token`` (generated when omitted) for ``location_id``; return the token.

        With ``scopes`` (e.g. ``["contacts.readonly"]``) the token is refused (401 ``The
        token is not authorized for this scope.``) on operations needing another scope.
        """
        with self._lock:
            tok = token or f"fake-token-{self._new_id()}"
            self._tokens[tok] = _Token(location_id, frozenset(scopes) if scopes else None)
            return tok

    def revoke_token(self, token: str) -> None:
        """Make ``token`` invalid (401), e.g. to test refresh-on-401 flows. Works for access
        and refresh tokens."""
        with self._lock:
            self._tokens.pop(token, None)
            self._refresh_tokens.pop(token, None)

    # ------------------------------------------------------------------ OAuth

    def authorize(
        self,
        *,
        user_type: str = "Location",
        location_id: str | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        user_id: str = "fakeUser000000000001",
    ) -> str:
        """Simulate an admin installing the app (the browser step of the OAuth flow); return
        the one-time authorization code to exchange at ``POST /oauth/token``.

        ``user_type="Location"`` grants a location token for ``location_id`` (default: the
        fake's); ``"Company"`` an agency token for `company_id`, which can mint
        location tokens at ``POST /oauth/locationToken``. Tokens carry ``scopes`` and are
        refused (401) on operations needing others.
        """
        if user_type not in ("Location", "Company"):
            raise ValueError("user_type must be 'Location' or 'Company'")
        with self._lock:
            code = f"fake-code-{self._new_id()}"
            location = None if user_type == "Company" else (location_id or self.location_id)
            self._codes[code] = _Grant(user_type, location, self.company_id, tuple(scopes), user_id)
            return code

    def _issue(self, grant: _Grant, *, refresh: bool = True) -> dict[str, Any]:
        access = f"fake-at-{self._new_id()}{self._new_id()}"
        self._tokens[access] = _Token(
            grant.location_id,
            frozenset(grant.scopes),
            user_type=grant.user_type,
            company_id=grant.company_id,
            expires_at=self.clock() + self.token_ttl,
        )
        out: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "scope": " ".join(grant.scopes),
            "userType": grant.user_type,
            "companyId": grant.company_id,
            "userId": grant.user_id,
            "isBulkInstallation": False,
        }
        if grant.location_id is not None:
            out["locationId"] = grant.location_id
        else:
            out["approvedLocations"] = [self.location_id]
        if refresh:
            rt = f"fake-rt-{self._new_id()}{self._new_id()}"
            self._refresh_tokens[rt] = grant
            out["refresh_token"] = rt
        return out

    def _oauth_token(self, ctx: _Ctx) -> tuple[int, Any]:
        form = ctx.body
        if ctx.rec.form is None or not isinstance(form, dict):
            raise _ApiError(
                422, ["the body must be application/x-www-form-urlencoded (grant_type, ...)"]
            )
        allowed = {
            "client_id",
            "client_secret",
            "grant_type",
            "code",
            "refresh_token",
            "user_type",
            "redirect_uri",
        }
        problems = [f"property {k} should not exist" for k in form if k not in allowed]
        problems += [
            f"{k} should not be empty"
            for k in ("client_id", "client_secret", "grant_type")
            if not form.get(k)
        ]
        grant_type = form.get("grant_type")
        if grant_type and grant_type not in ("authorization_code", "refresh_token"):
            problems.append("grant_type must be a valid enum value")
        if form.get("user_type") not in (None, "Location", "Company"):
            problems.append("user_type must be a valid enum value")
        if problems:
            raise _ApiError(422, problems)
        if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
            raise _ApiError(401, "Invalid client credentials")
        if grant_type == "authorization_code":
            grant = self._codes.pop(form.get("code") or "", None)
            if grant is None:
                raise _ApiError(400, "Invalid authorization code")
        else:
            grant = self._refresh_tokens.get(form.get("refresh_token") or "")
            if grant is None:
                raise _ApiError(400, "Invalid refresh token")
            # GHL refresh tokens are single-use: the answer carries the next one.
            del self._refresh_tokens[form["refresh_token"]]
        if form.get("user_type") and form["user_type"] != grant.user_type:
            raise _ApiError(400, f"user_type must be {grant.user_type} for this grant")
        return 200, self._issue(grant)

    def _location_token(self, ctx: _Ctx) -> tuple[int, Any]:
        form = ctx.body
        if ctx.rec.form is None or not isinstance(form, dict):
            raise _ApiError(422, ["the body must be application/x-www-form-urlencoded"])
        problems = [
            f"property {k} should not exist" for k in form if k not in ("companyId", "locationId")
        ]
        problems += [
            f"{k} should not be empty" for k in ("companyId", "locationId") if not form.get(k)
        ]
        if problems:
            raise _ApiError(422, problems)
        agency = ctx.token
        assert agency is not None
        if form["companyId"] != agency.company_id:
            raise _ApiError(400, "companyId does not match the token's company")
        scopes = tuple(sorted(agency.scopes)) if agency.scopes is not None else DEFAULT_SCOPES
        grant = _Grant("Location", form["locationId"], form["companyId"], scopes, "")
        out = self._issue(grant, refresh=self.location_token_refresh)
        for key in ("userType", "companyId", "isBulkInstallation"):
            out.pop(key, None)
        out["userId"] = "fakeUser000000000001"
        out["planId"] = "fakePlan000000000001"
        return 200, out

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
            self._tasks[task["id"]] = task
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
            self._notes[note["id"]] = note
            return copy.deepcopy(note)

    def add_appointment(self, contact_id: str, **fields: Any) -> dict[str, Any]:
        """Seed an appointment of an existing contact; return it as the API lists it.

        Times default to now (start) and 30 minutes later (end), in the spec's
        ``YYYY-MM-DD HH:MM:SS`` form; pass ``startTime``/``endTime`` to choose.
        """
        _check_wire_names(fields)
        with self._lock:
            owner = self._seed_owner(contact_id)
            start = datetime.fromtimestamp(self.clock(), tz=timezone.utc)
            fmt = "%Y-%m-%d %H:%M:%S"
            event: dict[str, Any] = {
                "id": self._new_id(),
                "calendarId": "fakeCalendar00000001",
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
            self._appointments[event["id"]] = event
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
            rec.update(copy.deepcopy(fields))
            _derive_names(rec)
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

    # ------------------------------------------------------------------ webhook-style events

    @property
    def events(self) -> list[dict[str, Any]]:
        """Webhook-shaped events of the writes made through the API (and ``edit_contact`` /
        ``remove_contact``), oldest first: ``ContactCreate``, ``ContactUpdate``,
        ``ContactDelete``, ``ContactTagUpdate``, ``ContactDndUpdate``, ``TaskCreate``,
        ``TaskComplete``, ``TaskDelete``, ``NoteCreate``, ``NoteUpdate``, ``NoteDelete``.
        Each is the webhook body: ``type``, ``locationId``, the event's fields, plus
        ``webhookId`` and ``timestamp`` as real deliveries carry."""
        with self._lock:
            return copy.deepcopy(self._events)

    @property
    def webhook_signer(self) -> WebhookSigner:
        """The fake's webhook key pair (the well-known test keys of
        [`WebhookSigner`][ghlsdk.testing.WebhookSigner]; needs ``cryptography``)."""
        with self._lock:
            if self._webhook_signer is None:
                self._webhook_signer = WebhookSigner()
            return self._webhook_signer

    @property
    def webhook_keys(self) -> dict[str, list[str]]:
        """The public keys (PEM) that verify
        [`signed_events`][ghlsdk.testing.FakeGHL.signed_events]:
        ``WebhookKeys.from_pem(**fake.webhook_keys)``."""
        return self.webhook_signer.public_pems

    def signed_events(self) -> list[tuple[bytes, dict[str, str]]]:
        """[`events`][ghlsdk.testing.FakeGHL.events] as deliveries: ``(body, headers)`` each, the
        body compact JSON and
        the headers signed as GHL signs them (``x-ghl-signature``, ``x-wh-signature``)."""
        signer = self.webhook_signer
        out = []
        for event in self.events:
            body = json.dumps(event, separators=(",", ":")).encode()
            out.append((body, signer.sign(body)))
        return out

    def on_event(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every future event (see
        [`events`][ghlsdk.testing.FakeGHL.events]); returns a
        function that unsubscribes. Callbacks run in the thread that made the request, after
        the fake's lock is released, so they may call the fake again."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _emit(self, kind: str, location_id: str, fields: Mapping[str, Any]) -> None:
        event: dict[str, Any] = {"type": kind, "locationId": location_id}
        event.update((k, copy.deepcopy(v)) for k, v in fields.items() if v is not None)
        event["webhookId"] = self._trace_id()
        event["timestamp"] = self._now_iso()
        self._events.append(event)
        self._pending.append(event)

    def _contact_event(self, kind: str, rec: Mapping[str, Any]) -> None:
        fields = {"id": rec["id"], **{k: rec.get(k) for k in _WEBHOOK_CONTACT_FIELDS}}
        if kind == "ContactDndUpdate":
            fields["dndSettings"] = rec.get("dndSettings")
        self._emit(kind, rec["locationId"], fields)

    def _record_event(self, kind: str, location_id: str, rec: Mapping[str, Any]) -> None:
        names = _WEBHOOK_TASK_FIELDS if kind.startswith("Task") else _WEBHOOK_NOTE_FIELDS
        self._emit(kind, location_id, {"id": rec["id"], **{k: rec.get(k) for k in names}})

    def _dispatch(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        with self._lock:
            listeners = list(self._listeners)
        for event in events:
            for listener in listeners:
                listener(copy.deepcopy(event))

    def custom_field_id(self, key: str) -> str:
        """The id the fake uses for custom field ``key`` (created on first use)."""
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
        """Snapshot of every appointment, by id (each has its ``contactId``)."""
        with self._lock:
            return copy.deepcopy(self._appointments)

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

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last
        [`reset_counters`][ghlsdk.testing.FakeGHL.reset_counters], oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def counters(self) -> dict[str, int]:
        """Requests received per operationId (``"unknown"`` for unmatched routes)."""
        with self._lock:
            return dict(self._counters)

    def count(self, operation: str | None = None, *, method: str | None = None) -> int:
        """Requests received for ``operation`` (operationId) and/or ``method``; all if none."""
        with self._lock:
            return sum(
                1
                for r in self._requests
                if (operation is None or r.operation == operation)
                and (method is None or r.method == method.upper())
            )

    def reset_counters(self) -> None:
        """Clear the request log, the counters and [`events`][ghlsdk.testing.FakeGHL.events] (state
        is kept)."""
        with self._lock:
            self._requests.clear()
            self._counters.clear()
            self._events.clear()

    def rate_limit_remaining(self, location_id: str | None = None) -> int:
        """Requests left in the current burst window for a location (enforced mode)."""
        with self._lock:
            loc = location_id or self.location_id
            return self.burst_limit - len(self._window(loc, self.clock()))

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        status: int | None = 500,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        exception: type[BaseException] | BaseException | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        after_write: bool = False,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: all of them).

        Match on ``method``, ``path`` (exact, or a glob: ``*`` is one segment, ``**`` any)
        and ``operation`` (operationId). The failure is an ``exception`` raised by the
        transport (e.g. ``httpx.ReadTimeout``, class or instance), else an HTTP ``status``
        with ``body`` (default: the API's error envelope) and extra ``headers``. ``delay``
        adds latency. With ``after_write=True`` the request is carried out first (the
        contact is created...) and only the answer fails: the "it worked but the client
        saw an error" case that makes blind POST retries create duplicates.
        """
        return self.inject(
            match_request(method, path, operation),
            status=status,
            times=times,
            exception=exception,
            body=body,
            headers=headers,
            delay=delay,
            after_write=after_write,
        )

    def inject(
        self,
        predicate: Callable[[RecordedRequest], bool],
        *,
        status: int | None = 500,
        times: int | None = None,
        exception: type[BaseException] | BaseException | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        after_write: bool = False,
    ) -> Fault:
        """Fail requests for which ``predicate(recorded_request)`` is true.

        Same options as [`fail_next`][ghlsdk.testing.FakeGHL.fail_next]; ``times`` defaults to
        unlimited. Pass
        ``status=None`` with a ``delay`` for a slow but successful call.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for unlimited)")
        if delay < 0:
            raise ValueError("delay must not be negative")
        fault = Fault(
            predicate=predicate,
            status=status,
            exception=exception,
            body=body,
            headers=headers,
            delay=delay,
            after_write=after_write,
            times=times,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._faults.clear()

    # ------------------------------------------------------------------ transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """httpx.BaseTransport: answer one request."""
        body = request.read()
        adm = self._admit(request, body)
        if adm.delay > 0:
            self._sleep(adm.delay)
        return self._complete(request, adm)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx.AsyncBaseTransport: answer one request (latency waited with an async sleep)."""
        body = await request.aread()
        adm = self._admit(request, body)
        if adm.delay > 0:
            await self._async_sleep(adm.delay)
        return self._complete(request, adm)

    def close(self) -> None:
        """Nothing to release (the fake keeps its state after a client closes)."""

    async def aclose(self) -> None:
        """Nothing to release (the fake keeps its state after a client closes)."""

    # ------------------------------------------------------------------ request pipeline

    def _admit(self, request: httpx.Request, raw_body: bytes) -> _Admission:
        """Record the request, check auth, version and rate limit, pick a fault."""
        path = _clean_path(request.url.raw_path)
        query = {k: v for k, v in request.url.params.multi_items()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        if "authorization" in headers:
            headers["authorization"] = _AUTH_MASK
        body: Any = None
        form: dict[str, str] | None = None
        bad_json = False
        if raw_body and _is_form(request):
            form = dict(parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True))
            body = form
        elif raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                bad_json = True
        rec = RecordedRequest(
            method=request.method.upper(),
            path=path,
            query=query,
            json=None if form is not None else body,
            headers=headers,
            form=_mask_form(form) if form is not None else None,
        )
        route, params = _match(rec.method, path)
        if route is not None:
            rec.operation = route.operation
            rec.path_params = params
        adm = _Admission(rec=rec)
        with self._lock:
            self._requests.append(rec)
            self._counters[rec.operation or "unknown"] += 1
            now = self.clock()
            token = self._token_of(request)
            location = self.location_id
            if token is not None:
                location = token.location_id or token.company_id or self.location_id
            try:
                if route is None or route.kind != "token":
                    self._check_credentials(request, token, route, now)
                    adm.headers = self._take_rate_slot(location, now)
                else:  # the token endpoint is not rate limited per location
                    adm.headers = self._rate_headers(location, now)
                if route is None:
                    raise _ApiError(404, f"Cannot {rec.method} {path}")
                if bad_json:
                    raise _ApiError(400, "Unexpected token in JSON body")
            except _ApiError as err:
                if not adm.headers:
                    adm.headers = self._rate_headers(location, now)
                adm.response = self._error_response(request, err, adm.headers)
                rec.status = err.status
            else:
                ctx_location = location if token is None else (token.location_id or "")
                adm.ctx = _Ctx(rec, ctx_location, params, query, body)
                adm.ctx.token = token
                adm.handler = getattr(self, route.handler)
                for fault in self._faults:
                    if fault.active and fault.predicate(rec):
                        fault.take()
                        adm.fault = fault
                        break
                self._faults = [f for f in self._faults if f.active]
        adm.delay = self._latency_for(rec) + (adm.fault.delay if adm.fault else 0.0)
        return adm

    def _check_credentials(
        self, request: httpx.Request, token: _Token | None, route: _Route | None, now: float
    ) -> None:
        """401 for a missing, unknown or expired token, a bad Version, or the wrong token
        kind or scope for the route."""
        if token is None:
            auth = request.headers.get("authorization")
            if not auth or not auth.lower().startswith("bearer ") or not auth[7:].strip():
                raise _ApiError(401, "Invalid JWT")
            raise _ApiError(401, "Invalid token: access token is invalid")
        if token.expires_at is not None and now >= token.expires_at:
            # The wording for an expired token is UNCONFIRMED; "Invalid JWT" is what is seen.
            raise _ApiError(401, "Invalid JWT")
        version = request.headers.get("version")
        if version is None:
            raise _ApiError(401, "version header was not found.")
        if version not in self.accepted_versions:
            raise _ApiError(401, "version header is invalid")
        if route is None:
            return
        if route.kind == "agency" and token.user_type != "Company":
            raise _ApiError(401, "Token's user type mismatch!")
        if route.kind == "location" and token.location_id is None:
            raise _ApiError(401, "The token is not authorized for this scope.")
        if token.scopes is not None and route.scope not in token.scopes:
            raise _ApiError(401, "The token is not authorized for this scope.")

    def _complete(self, request: httpx.Request, adm: _Admission) -> httpx.Response:
        """Carry out the request (unless a fault stops it first) and build the answer."""
        if adm.response is not None:
            return adm.response
        fault = adm.fault
        failing = fault is not None and (fault.status is not None or fault.exception is not None)
        if fault is not None and failing and not fault.after_write:
            return self._fault_response(request, adm, fault)
        assert adm.handler is not None
        assert adm.ctx is not None
        with self._lock:
            self._pending = []
            try:
                status, payload = adm.handler(adm.ctx)
            except _ApiError as err:
                adm.rec.status = err.status
                response = self._error_response(request, err, adm.headers)
            else:
                adm.rec.status = status
                response = httpx.Response(
                    status, json=payload, headers=adm.headers, request=request
                )
            events, self._pending = self._pending, []
        self._dispatch(events)
        if fault is not None and failing:
            return self._fault_response(request, adm, fault)
        return response

    def _fault_response(
        self, request: httpx.Request, adm: _Admission, fault: Fault
    ) -> httpx.Response:
        if fault.exception is not None:
            adm.rec.status = None
            raise fault.make_exception(request)
        status = fault.status
        assert status is not None
        adm.rec.status = status
        headers = {**adm.headers, **(fault.headers or {})}
        if fault.body is not None:
            return httpx.Response(status, json=fault.body, headers=headers, request=request)
        err = _ApiError(status, _REASONS.get(status, "Error"))
        return self._error_response(request, err, headers)

    def _error_response(
        self, request: httpx.Request, err: _ApiError, headers: Mapping[str, str]
    ) -> httpx.Response:
        body: dict[str, Any] = {"statusCode": err.status, "message": err.message}
        reason = _REASONS.get(err.status)
        if reason:
            body["error"] = reason
        body.update(err.extra)
        if err.status in (400, 422):
            body.setdefault("traceId", self._trace_id())
        return httpx.Response(
            err.status, json=body, headers={**headers, **err.headers}, request=request
        )

    def _latency_for(self, rec: RecordedRequest) -> float:
        lat = self.latency
        value = lat(rec) if callable(lat) else lat
        return max(0.0, float(value))

    def _token_of(self, request: httpx.Request) -> _Token | None:
        auth = request.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self._tokens.get(value.strip())

    # ------------------------------------------------------------------ rate limit

    def _window(self, location: str, now: float) -> deque[float]:
        window = self._windows.setdefault(location, deque())
        # A request at t stops counting at t + interval (a hair of slack for float error, so
        # a client that waits exactly until then is not refused).
        while window and window[0] + self.burst_interval <= now + 1e-9:
            window.popleft()
        return window

    def _day_count(self, location: str, now: float) -> tuple[str, int]:
        day = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y-%m-%d")
        stored = self._daily.get(location)
        return (day, stored[1]) if stored and stored[0] == day else (day, 0)

    def _rate_headers(self, location: str, now: float) -> dict[str, str]:
        remaining = self.burst_limit
        daily_remaining = self.daily_limit
        if self.rate_limit:
            remaining = max(0, self.burst_limit - len(self._window(location, now)))
            daily_remaining = max(0, self.daily_limit - self._day_count(location, now)[1])
        return {
            "X-RateLimit-Limit-Daily": str(self.daily_limit),
            "X-RateLimit-Daily-Remaining": str(daily_remaining),
            "X-RateLimit-Interval-Milliseconds": str(int(self.burst_interval * 1000)),
            "X-RateLimit-Max": str(self.burst_limit),
            "X-RateLimit-Remaining": str(remaining),
        }

    def _take_rate_slot(self, location: str, now: float) -> dict[str, str]:
        """Count the request, or raise a 429 (requests refused are not counted)."""
        if not self.rate_limit:
            return self._rate_headers(location, now)
        window = self._window(location, now)
        day, used_today = self._day_count(location, now)
        retry_after: float | None = None
        if used_today >= self.daily_limit:
            midnight = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            retry_after = (midnight + timedelta(days=1)).timestamp() - now
        elif len(window) >= self.burst_limit:
            retry_after = window[len(window) - self.burst_limit] + self.burst_interval - now
        if retry_after is not None:
            headers = self._rate_headers(location, now)
            if self.send_retry_after:
                headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
            raise _ApiError(429, "Too many requests", headers=headers)
        window.append(now)
        self._daily[location] = (day, used_today + 1)
        return self._rate_headers(location, now)

    # ------------------------------------------------------------------ helpers

    def _new_id(self) -> str:
        return "".join(self._rng.choice(_ID_ALPHABET) for _ in range(20))

    def _trace_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _now_iso(self) -> str:
        return _search.ms_to_iso(self.clock() * 1000.0)

    def _field_id_for(self, key: str) -> str:
        fid = self._custom_field_ids.get(key)
        if fid is None:
            fid = self._custom_field_ids[key] = self._new_id()
        return fid

    def _seed_owner(self, contact_id: str) -> dict[str, Any]:
        owner = self._contacts.get(contact_id)
        if owner is None:
            raise KeyError(f"no contact {contact_id!r} in the fake; add_contact() it first")
        return owner

    def _not_found(self, what: str, ident: str) -> _ApiError:
        return _ApiError(self.not_found_status, f"{what} with id {ident} not found")

    def _contact_for(self, ctx: _Ctx) -> dict[str, Any]:
        cid = ctx.params["contactId"]
        contact = self._contacts.get(cid)
        if contact is None or contact["locationId"] != ctx.location_id:
            raise self._not_found("Contact", cid)
        return contact

    def _render_contact(self, rec: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": rec["id"], "locationId": rec.get("locationId")}
        out.update((k, copy.deepcopy(v)) for k, v in rec.items() if v is not None)
        if not out.get("followers"):
            out.pop("followers", None)
        return out

    def _body(self, ctx: _Ctx, *, required_status: int | None = None) -> dict[str, Any]:
        """The validated JSON object body of the operation (400/422 like the API)."""
        rule = _schema.BODY_RULES[ctx.rec.operation or ""]
        body = ctx.body if ctx.body is not None else {}
        if not isinstance(body, dict):
            raise _ApiError(400, "Request body must be a JSON object")
        missing, problems = _schema.check_body(rule, body)
        if problems:
            raise _ApiError(422, problems)
        if missing:
            status = required_status or self.missing_field_status
            messages = [f"{name} should not be empty" for name in missing]
            raise _ApiError(status, messages if status == 422 else "; ".join(messages))
        return body

    def _query(self, ctx: _Ctx) -> dict[str, str]:
        allowed, required = _schema.QUERY_RULES[ctx.rec.operation or ""]
        problems = [f"property {k} should not exist" for k in ctx.query if k not in allowed]
        if problems:
            raise _ApiError(422, problems)
        missing = [name for name in required if not ctx.query.get(name)]
        if missing:
            messages = [f"{name} should not be empty" for name in missing]
            status = self.missing_field_status
            raise _ApiError(status, messages if status == 422 else "; ".join(messages))
        return ctx.query

    def _check_location(self, ctx: _Ctx, location_id: Any) -> str:
        if location_id != ctx.location_id:
            raise _ApiError(403, "The token does not have access to this location.")
        return ctx.location_id

    def _apply_contact_fields(self, rec: dict[str, Any], body: Mapping[str, Any]) -> None:
        for key, value in body.items():
            if key in ("locationId", "createNewIfDuplicateAllowed"):
                continue
            if key == "customFields":
                rec["customFields"] = self._merge_custom_fields(rec.get("customFields"), value)
            elif key == "tags":
                rec["tags"] = _unique(value)
            else:
                rec[key] = copy.deepcopy(value)
        _derive_names(rec)

    def _merge_custom_fields(self, current: Any, updates: list[dict[str, Any]]) -> list[Any]:
        merged: dict[str, Any] = {}
        for item in current or []:
            if isinstance(item, dict) and "id" in item:
                merged[item["id"]] = item.get("value")
        for item in updates:
            fid = item.get("id") or self._field_id_for(str(item.get("key")))
            merged[fid] = copy.deepcopy(item.get("field_value"))
        return [{"id": k, "value": v} for k, v in merged.items() if v is not None]

    def _find_duplicate(
        self, location: str, body: Mapping[str, Any], exclude: str | None = None
    ) -> tuple[dict[str, Any], str] | None:
        for fld in self.duplicate_priority:
            wanted = body.get(fld)
            if not wanted:
                continue
            for c in self._contacts.values():
                if c["locationId"] != location or c["id"] == exclude:
                    continue
                if _same(fld, c.get(fld), wanted):
                    return c, fld
        return None

    def _duplicate_error(self, match: tuple[dict[str, Any], str]) -> _ApiError:
        contact, fld = match
        meta: dict[str, Any] = {"contactId": contact["id"], "matchingField": fld}
        if contact.get("name"):
            meta["contactName"] = contact["name"]
        return _ApiError(400, _DUPLICATE_MESSAGE, extra={"meta": meta})

    def _location_contacts(self, location: str) -> list[dict[str, Any]]:
        return [c for c in self._contacts.values() if c["locationId"] == location]

    def _touch(self, rec: dict[str, Any]) -> None:
        rec["dateUpdated"] = self._now_iso()

    # ------------------------------------------------------------------ contacts

    def _get_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"contact": self._render_contact(self._contact_for(ctx))}

    def _list_contacts(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        limit = _int_param(q.get("limit"), "limit", default=20, maximum=100)
        contacts = _text_filter(self._location_contacts(location), q.get("query"))
        contacts.sort(key=_list_key)
        cursor: tuple[int, str] | None = None
        after_id = q.get("startAfterId")
        if after_id:
            anchor = self._contacts.get(after_id)
            if anchor is not None:
                cursor = _list_key(anchor)
        if cursor is None and q.get("startAfter"):
            ms = _int_param(q.get("startAfter"), "startAfter", default=0)
            cursor = (ms, after_id or "")
        elif cursor is None and after_id:
            raise _ApiError(400, f"Invalid startAfterId {after_id}")
        before = [c for c in contacts if cursor is not None and _list_key(c) <= cursor]
        rest = contacts[len(before) :] if cursor is not None else contacts
        page = rest[:limit]
        has_more = len(rest) > limit
        current = len(before) // limit + 1
        last = page[-1] if page else None
        meta: dict[str, Any] = {
            "total": len(contacts),
            "nextPageUrl": None,
            "startAfterId": last["id"] if last else None,
            "startAfter": _list_key(last)[0] if last else None,
            "currentPage": current,
            "nextPage": current + 1 if has_more else None,
            "prevPage": current - 1 if current > 1 else None,
        }
        if has_more and last is not None:
            params = {"locationId": location, "startAfter": meta["startAfter"]}
            params["startAfterId"] = last["id"]
            if "limit" in q:
                params["limit"] = limit
            if q.get("query"):
                params["query"] = q["query"]
            meta["nextPageUrl"] = f"{BASE_URL}/contacts/?{urlencode(params)}"
        return 200, {"contacts": [self._render_contact(c) for c in page], "meta": meta}

    def _list_by_business(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        limit = _int_param(q.get("limit"), "limit", default=25)
        skip = _int_param(q.get("skip"), "skip", default=0)
        business = ctx.params["businessId"]
        contacts = [c for c in self._location_contacts(location) if c.get("businessId") == business]
        contacts = _text_filter(contacts, q.get("query"))
        contacts.sort(key=_list_key)
        page = contacts[skip : skip + limit]
        return 200, {
            "contacts": [self._render_contact(c) for c in page],
            "count": len(contacts),
        }

    def _create_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        if not self.allow_duplicates:
            match = self._find_duplicate(location, body)
            if match is not None:
                raise self._duplicate_error(match)
        rec = self._new_contact(location, body)
        created = self._render_contact(rec)
        created.update(
            {
                "deleted": False,
                "bounceEmail": False,
                "unsubscribeEmail": False,
                "offers": [],
                "products": [],
            }
        )
        return 201, {"contact": created}

    def _new_contact(self, location: str, body: Mapping[str, Any]) -> dict[str, Any]:
        now = self._now_iso()
        rec: dict[str, Any] = {**_CONTACT_DEFAULTS, "tags": [], "customFields": []}
        rec.update({"id": self._new_id(), "locationId": location})
        self._apply_contact_fields(rec, body)
        rec.setdefault("source", "public api")
        rec["dateAdded"] = rec["dateUpdated"] = now
        self._contacts[rec["id"]] = rec
        self._contact_event("ContactCreate", rec)
        return rec

    def _change_contact(self, rec: dict[str, Any], body: Mapping[str, Any]) -> None:
        """Apply an update or an upsert match, bump dateUpdated, emit the events."""
        before = {k: copy.deepcopy(rec.get(k)) for k in ("tags", "dnd", "dndSettings")}
        self._apply_contact_fields(rec, body)
        self._touch(rec)
        self._contact_event("ContactUpdate", rec)
        if rec.get("tags") != before["tags"]:
            self._contact_event("ContactTagUpdate", rec)
        if rec.get("dnd") != before["dnd"] or rec.get("dndSettings") != before["dndSettings"]:
            self._contact_event("ContactDndUpdate", rec)

    def _drop_contact(self, rec: dict[str, Any]) -> None:
        cid = rec["id"]
        del self._contacts[cid]
        for store in (self._tasks, self._notes, self._appointments):
            for key in [k for k, v in store.items() if v.get("contactId") == cid]:
                del store[key]
        self._campaigns.pop(cid, None)
        self._workflows.pop(cid, None)
        self._contact_event("ContactDelete", rec)

    def _update_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        body = self._body(ctx)
        if not self.allow_duplicates:
            match = self._find_duplicate(ctx.location_id, body, exclude=rec["id"])
            if match is not None:
                raise self._duplicate_error(match)
        self._change_contact(rec, body)
        return 200, {"succeded": True, "contact": self._render_contact(rec)}

    def _delete_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        self._drop_contact(self._contact_for(ctx))
        return 200, {"succeded": True}

    def _upsert_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        always_new = bool(body.get("createNewIfDuplicateAllowed")) and self.allow_duplicates
        match = None if always_new else self._find_duplicate(location, body)
        if match is None:
            rec = self._new_contact(location, body)
            new = True
        else:
            rec = match[0]
            self._change_contact(rec, body)
            new = False
        return 200, {
            "new": new,
            "contact": self._render_contact(rec),
            "traceId": self._trace_id(),
        }

    def _duplicate(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        wanted = {"email": q.get("email"), "phone": q.get("number")}
        match = self._find_duplicate(location, wanted)
        return 200, {"contact": self._render_contact(match[0]) if match else None}

    def _bulk_business(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        done: list[str] = []
        for cid in body["ids"]:
            rec = self._contacts.get(cid)
            if rec is not None and rec["locationId"] == location:
                rec["businessId"] = body["businessId"]
                self._touch(rec)
                self._contact_event("ContactUpdate", rec)
                done.append(cid)
        return 200, {"success": True, "ids": done}

    def _search(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx, required_status=422)
        location = self._check_location(ctx, body["locationId"])
        page_limit = body["pageLimit"]
        if not isinstance(page_limit, int) or not 1 <= page_limit <= 500:
            raise _ApiError(422, ["pageLimit must not be greater than 500 nor less than 1"])
        try:
            predicate = _search.compile_filters(body.get("filters") or [])
            names, desc = _search.compile_sort(body.get("sort") or [])
        except _search.SearchError as exc:
            raise _ApiError(400, str(exc)) from None
        matches = [
            c
            for c in _text_filter(self._location_contacts(location), body.get("query"))
            if predicate(c)
        ]
        ordered = _search.sorted_by(matches, names, desc)
        after = body.get("searchAfter")
        if after is not None:
            if not isinstance(after, list) or len(after) != len(names):
                raise _ApiError(400, "searchAfter is invalid for this sort")
            ordered = [p for p in ordered if _search.compare_keys(p[0], after, desc) > 0]
            window = ordered[:page_limit]
        else:
            page = body.get("page", 1)
            if not isinstance(page, int) or isinstance(page, bool) or page < 1:
                raise _ApiError(422, ["page must not be less than 1"])
            if page * page_limit > self.max_search_window:
                raise _ApiError(
                    400,
                    f"page * pageLimit must not exceed {self.max_search_window}; "
                    "use searchAfter to read further",
                )
            window = ordered[(page - 1) * page_limit : page * page_limit]
        out = []
        for key, contact in window:
            item = self._render_contact(contact)
            item["searchAfter"] = copy.deepcopy(key)
            out.append(item)
        return 200, {"contacts": out, "total": len(matches)}

    # ------------------------------------------------------------------ tasks

    def _task_for(self, ctx: _Ctx) -> dict[str, Any]:
        contact = self._contact_for(ctx)
        tid = ctx.params["taskId"]
        task = self._tasks.get(tid)
        if task is None or task["contactId"] != contact["id"]:
            raise self._not_found("Task", tid)
        return task

    def _list_tasks(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        tasks = [copy.deepcopy(t) for t in self._tasks.values() if t["contactId"] == cid]
        return 200, {"tasks": tasks}

    def _get_task(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"task": copy.deepcopy(self._task_for(ctx))}

    def _create_task(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        body = self._body(ctx)
        _check_iso(body, "dueDate")
        task = {"id": self._new_id(), **copy.deepcopy(body), "contactId": cid}
        self._tasks[task["id"]] = task
        self._task_event("TaskCreate", ctx, task)
        if task.get("completed") is True:
            self._task_event("TaskComplete", ctx, task)
        return 201, {"task": copy.deepcopy(task)}

    def _task_event(self, kind: str, ctx: _Ctx, task: Mapping[str, Any]) -> None:
        self._record_event(kind, ctx.location_id, {**task, "dateAdded": self._now_iso()})

    def _set_task(self, ctx: _Ctx, task: dict[str, Any], changes: Mapping[str, Any]) -> None:
        was_done = task.get("completed") is True
        task.update(copy.deepcopy(changes))
        if task.get("completed") is True and not was_done:
            self._task_event("TaskComplete", ctx, task)

    def _update_task(self, ctx: _Ctx) -> tuple[int, Any]:
        task = self._task_for(ctx)
        body = self._body(ctx)
        _check_iso(body, "dueDate")
        self._set_task(ctx, task, body)
        return 200, {"task": copy.deepcopy(task)}

    def _complete_task(self, ctx: _Ctx) -> tuple[int, Any]:
        task = self._task_for(ctx)
        self._set_task(ctx, task, {"completed": self._body(ctx)["completed"]})
        return 200, {"task": copy.deepcopy(task)}

    def _delete_task(self, ctx: _Ctx) -> tuple[int, Any]:
        task = self._tasks.pop(self._task_for(ctx)["id"])
        self._task_event("TaskDelete", ctx, task)
        return 200, {"succeded": True}

    # ------------------------------------------------------------------ notes

    def _note_for(self, ctx: _Ctx) -> dict[str, Any]:
        contact = self._contact_for(ctx)
        nid = ctx.params["id"]
        note = self._notes.get(nid)
        if note is None or note["contactId"] != contact["id"]:
            raise self._not_found("Note", nid)
        return note

    def _list_notes(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        notes = [copy.deepcopy(n) for n in self._notes.values() if n["contactId"] == cid]
        return 200, {"notes": notes}

    def _get_note(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"note": copy.deepcopy(self._note_for(ctx))}

    def _create_note(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        body = self._body(ctx)
        note = {
            "id": self._new_id(),
            **copy.deepcopy(body),
            "contactId": cid,
            "dateAdded": self._now_iso(),
        }
        self._notes[note["id"]] = note
        self._record_event("NoteCreate", ctx.location_id, note)
        return 201, {"note": copy.deepcopy(note)}

    def _update_note(self, ctx: _Ctx) -> tuple[int, Any]:
        note = self._note_for(ctx)
        note.update(copy.deepcopy(self._body(ctx)))
        self._record_event("NoteUpdate", ctx.location_id, note)
        return 200, {"note": copy.deepcopy(note)}

    def _delete_note(self, ctx: _Ctx) -> tuple[int, Any]:
        note = self._notes.pop(self._note_for(ctx)["id"])
        self._record_event("NoteDelete", ctx.location_id, note)
        return 200, {"succeded": True}

    # ------------------------------------------------------------------ appointments

    def _list_appointments(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        events = [copy.deepcopy(a) for a in self._appointments.values() if a["contactId"] == cid]
        return 200, {"events": events}

    # ------------------------------------------------------------------ tags, followers

    def _add_tags(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        tags = self._body(ctx)["tags"]
        self._set_tags(rec, _unique([*rec.get("tags", []), *tags]))
        return 201, {"tags": list(rec["tags"]) if self.tags_echo == "all" else list(tags)}

    def _remove_tags(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        tags = self._body(ctx)["tags"]
        drop = set(tags)
        self._set_tags(rec, [t for t in rec.get("tags", []) if t not in drop])
        return 200, {"tags": list(rec["tags"]) if self.tags_echo == "all" else list(tags)}

    def _set_tags(self, rec: dict[str, Any], tags: list[str]) -> None:
        if tags != rec.get("tags"):
            rec["tags"] = tags
            self._touch(rec)
            self._contact_event("ContactTagUpdate", rec)

    def _add_followers(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        current = list(rec.get("followers") or [])
        added = [f for f in _unique(self._body(ctx)["followers"]) if f not in current]
        rec["followers"] = current + added
        return 201, {"followers": list(rec["followers"]), "followersAdded": added}

    def _remove_followers(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        current = list(rec.get("followers") or [])
        wanted = set(self._body(ctx)["followers"])
        removed = [f for f in current if f in wanted]
        rec["followers"] = [f for f in current if f not in wanted]
        return 200, {"followers": list(rec["followers"]), "followersRemoved": removed}

    # ------------------------------------------------------------------ campaigns, workflows

    def _add_campaign(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        self._body(ctx)
        campaigns = self._campaigns.setdefault(cid, [])
        if ctx.params["campaignId"] not in campaigns:
            campaigns.append(ctx.params["campaignId"])
        return 201, {"succeded": True}

    def _remove_campaign(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        campaigns = self._campaigns.get(cid, [])
        if ctx.params["campaignId"] in campaigns:
            campaigns.remove(ctx.params["campaignId"])
        return 200, {"succeded": True}

    def _remove_all_campaigns(self, ctx: _Ctx) -> tuple[int, Any]:
        self._campaigns.pop(self._contact_for(ctx)["id"], None)
        return 200, {"succeded": True}

    def _add_workflow(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        body = self._body(ctx)
        _check_iso(body, "eventStartTime")
        self._workflows.setdefault(cid, {})[ctx.params["workflowId"]] = body.get("eventStartTime")
        return 200, {"succeded": True}

    def _remove_workflow(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        self._body(ctx)
        self._workflows.get(cid, {}).pop(ctx.params["workflowId"], None)
        return 200, {"succeded": True}


# ---------------------------------------------------------------------- module helpers


def _clean_path(raw_path: bytes) -> str:
    path = raw_path.decode("ascii", "replace").split("?", 1)[0]
    return path if path == "/" else path.rstrip("/") or "/"


def _match(method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
    for route in _ROUTES:
        if route.method != method:
            continue
        m = route.pattern.fullmatch(path)
        if m:
            return route, {k: unquote(v) for k, v in m.groupdict().items()}
    return None, {}


_FORM_SECRETS = frozenset({"client_secret", "refresh_token", "code"})


def _is_form(request: httpx.Request) -> bool:
    ctype = str(request.headers.get("content-type", ""))
    return ctype.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded"


def _mask_form(form: Mapping[str, str]) -> dict[str, str]:
    return {k: "***" if k in _FORM_SECRETS else v for k, v in form.items()}


def _check_wire_names(fields: Mapping[str, Any]) -> None:
    bad = sorted(k for k in fields if "_" in k.strip("_"))
    if bad:
        raise TypeError(
            f"seed with wire (camelCase) field names, got {bad}; e.g. firstName, dueDate"
        )


def _derive_names(rec: dict[str, Any]) -> None:
    first, last = rec.get("firstName"), rec.get("lastName")
    if first is not None or last is not None:
        full = " ".join(p for p in (first, last) if p)
        rec["name"] = full or None
    rec["firstNameLowerCase"] = first.lower() if isinstance(first, str) else None
    rec["lastNameLowerCase"] = last.lower() if isinstance(last, str) else None
    name = rec.get("name")
    rec["fullNameLowerCase"] = name.lower() if isinstance(name, str) else None
    email = rec.get("email")
    rec["emailLowerCase"] = email.lower() if isinstance(email, str) else None


def _same(fld: str, have: Any, wanted: Any) -> bool:
    if fld == "email":
        return isinstance(have, str) and have.lower() == str(wanted).lower()
    return bool(_digits(have)) and _digits(have) == _digits(wanted)


def _unique(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _list_key(contact: Mapping[str, Any]) -> tuple[int, str]:
    return (_search.iso_to_ms(contact.get("dateAdded")) or 0, str(contact["id"]))


def _text_filter(contacts: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    if not query:
        return list(contacts)
    needle = str(query).lower()
    digits = _digits(needle)
    fields = ("name", "firstName", "lastName", "email", "companyName")
    out = []
    for c in contacts:
        hay = " ".join(str(c.get(f) or "") for f in fields).lower()
        if needle in hay or (digits and digits in _digits(c.get("phone"))):
            out.append(c)
    return out


def _int_param(raw: str | None, name: str, *, default: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _ApiError(
            422, [f"{name} must be a number conforming to the specified constraints"]
        ) from None
    if value < 0 or (name == "limit" and value < 1):
        raise _ApiError(422, [f"{name} must not be less than {1 if name == 'limit' else 0}"])
    if maximum is not None and value > maximum:
        raise _ApiError(422, [f"{name} must not be greater than {maximum}"])
    return value


def _check_iso(body: Mapping[str, Any], name: str) -> None:
    value = body.get(name)
    if value is not None and _search.iso_to_ms(value) is None:
        raise _ApiError(422, [f"{name} must be a valid ISO 8601 date string"])
