"""What every part of FakeGHL shares: constants, the request context, the error type, the
state (with its indexes) and the small helpers the route modules use."""

from __future__ import annotations

import copy
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx

from _sdkcore.testing import FakeKit, Fault, RecordedRequest
from ghlsdk.testing import _schema, _search
from ghlsdk.testing._indexes import (
    EventIndex,
    IdentityIndex,
    ListKey,
    SortedKeys,
    digits,
    list_key,
)
from ghlsdk.testing._webhooks import WebhookSigner

BASE_URL = "https://services.leadconnectorhq.com"
CONTACTS_VERSION = "2021-07-28"
CALENDARS_VERSION = "2021-04-15"
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


Handler = Callable[[_Ctx], tuple[int, Any]]


class FakeBase(FakeKit):
    """The fake's state and the helpers every route module uses. Each area of the API is a
    mixin on top of this (``_contacts``, ``_records``, ``_calendars``...); ``FakeGHL`` combines
    them. Lists are served from indexes kept beside the stores (``_indexes``): contacts per
    location in ``GET /contacts/`` order and by email/phone, each contact's
    tasks/notes/appointments, each location's tasks, appointments by start time; query
    results (search, business, task search) are cached per store generation, so a walk
    through pages costs per page, not per store. Faults, the clock and the request log are
    the shared kit's (``FakeKit``)."""

    # configuration (set by FakeGHL.__init__)
    token: str
    location_id: str
    allow_duplicates: bool
    duplicate_priority: tuple[str, ...]
    accepted_versions: frozenset[str]
    calendar_versions: frozenset[str]
    rate_limit: bool
    burst_limit: int
    burst_interval: float
    daily_limit: int
    send_retry_after: bool
    missing_field_status: int
    not_found_status: int
    tags_echo: str
    max_search_window: int
    client_id: str
    client_secret: str
    company_id: str
    token_ttl: int
    location_token_refresh: bool

    def _init_state(self, seed: int | None) -> None:
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._tokens: dict[str, _Token] = {self.token: _Token(self.location_id, None)}
        self._contacts: dict[str, dict[str, Any]] = {}
        self._tasks: dict[str, dict[str, Any]] = {}
        self._notes: dict[str, dict[str, Any]] = {}
        self._appointments: dict[str, dict[str, Any]] = {}
        self._calendars: dict[str, dict[str, Any]] = {}
        self._custom_fields: dict[str, dict[str, Any]] = {}
        self._campaigns: dict[str, list[str]] = {}
        self._workflows: dict[str, dict[str, str | None]] = {}
        self._windows: dict[str, deque[float]] = {}
        self._daily: dict[str, tuple[str, int]] = {}
        self._events: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._webhook_signer: WebhookSigner | None = None
        # OAuth: one-time codes and single-use refresh tokens -> the grant they stand for.
        self._codes: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, _Grant] = {}
        # indexes
        self._order = SortedKeys()  # per location: ListKey in GET /contacts/ order
        self._list_keys: dict[str, ListKey] = {}
        self._identities = IdentityIndex()  # per location: contacts by email / phone
        self._children: dict[str, dict[str, dict[str, None]]] = {}
        self._location_tasks: dict[str, dict[str, None]] = {}
        self._event_times = EventIndex()  # per location: appointments by start time
        self._generation = 0
        self._query_cache: dict[Any, Any] = {}

    # ------------------------------------------------------------------ indexes

    def _changed(self) -> None:
        """Any write: cached query results are stale."""
        self._generation += 1
        self._query_cache.clear()

    def _cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per store generation and ``key``."""
        found = self._query_cache.get(key)
        if found is None:
            found = self._query_cache[key] = compute()
        return found

    def _index_contact(self, rec: Mapping[str, Any]) -> None:
        key = list_key(rec)
        self._list_keys[rec["id"]] = key
        self._order.add(rec["locationId"], key)
        self._identities.add(rec["locationId"], rec)
        self._changed()

    def _unindex_contact(self, rec: Mapping[str, Any]) -> None:
        key = self._list_keys.pop(rec["id"], None)
        if key is not None:
            self._order.remove(rec["locationId"], key)
        self._identities.remove(rec["locationId"], rec)
        self._changed()

    def _location_contacts(self, location: str) -> list[dict[str, Any]]:
        """The location's contacts in ``GET /contacts/`` order (from the index)."""
        return [self._contacts[cid] for _, cid in self._order.group(location)]

    def _index_event(self, event: Mapping[str, Any]) -> None:
        begins = _search.iso_to_ms(event.get("startTime")) or 0
        ends = _search.iso_to_ms(event.get("endTime")) or begins
        self._event_times.add(str(event.get("locationId")), event["id"], begins, ends)

    def _child_ids(self, contact_id: str, kind: str) -> dict[str, None]:
        return self._children.setdefault(contact_id, {}).setdefault(kind, {})

    def _add_child(self, kind: str, rec: dict[str, Any]) -> None:
        """Store a task/note/appointment and index it under its contact (and location)."""
        store = {"tasks": self._tasks, "notes": self._notes, "appointments": self._appointments}
        store[kind][rec["id"]] = rec
        self._child_ids(rec["contactId"], kind)[rec["id"]] = None
        if kind == "appointments":
            self._index_event(rec)
        if kind == "tasks":
            owner = self._contacts.get(rec["contactId"])
            location = owner["locationId"] if owner else self.location_id
            self._location_tasks.setdefault(location, {})[rec["id"]] = None
        self._changed()

    def _drop_child(self, kind: str, child_id: str) -> dict[str, Any]:
        store = {"tasks": self._tasks, "notes": self._notes, "appointments": self._appointments}
        rec = store[kind].pop(child_id)
        self._child_ids(rec["contactId"], kind).pop(child_id, None)
        self._event_times.remove(child_id)
        if kind == "tasks":
            for tasks in self._location_tasks.values():
                tasks.pop(child_id, None)
        self._changed()
        return rec

    def _children_of(self, contact_id: str, kind: str) -> list[dict[str, Any]]:
        store = {"tasks": self._tasks, "notes": self._notes, "appointments": self._appointments}
        return [store[kind][i] for i in self._child_ids(contact_id, kind)]

    # ------------------------------------------------------------------ helpers

    def _new_id(self) -> str:
        return "".join(self._rng.choice(_ID_ALPHABET) for _ in range(20))

    def _trace_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _now_iso(self) -> str:
        return _search.ms_to_iso(self.clock() * 1000.0)

    def _field_id_for(self, key: str, location: str | None = None) -> str:
        """The id of custom field ``key`` in ``location``, created (as a TEXT field) on first
        use, as contact writes naming a field by key do in the fake."""
        location = location or self.location_id
        for fid, fdef in self._custom_fields.items():
            if fdef["fieldKey"] == key and fdef["locationId"] == location:
                return fid
        fid = self._new_id()
        name = key.split(".", 1)[-1]
        model = key.split(".", 1)[0] if "." in key else "contact"
        self._custom_fields[fid] = {
            "id": fid,
            "name": name.replace("_", " ").title(),
            "fieldKey": key,
            "placeholder": "",
            "dataType": "TEXT",
            "position": 0,
            "locationId": location,
            "model": model if model in ("contact", "opportunity") else "contact",
        }
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

    def _touch(self, rec: dict[str, Any]) -> None:
        rec["dateUpdated"] = self._now_iso()
        self._changed()


# ---------------------------------------------------------------------- module helpers


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


def _unique(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _text_filter(contacts: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    if not query:
        return list(contacts)
    needle = str(query).lower()
    wanted = digits(needle)
    fields = ("name", "firstName", "lastName", "email", "companyName")
    out = []
    for c in contacts:
        hay = " ".join(str(c.get(f) or "") for f in fields).lower()
        if needle in hay or (wanted and wanted in digits(c.get("phone"))):
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


def contact_time(value: str) -> str:
    """An ISO time as the contacts API shows appointment times: ``YYYY-MM-DD HH:MM:SS`` (UTC).
    A value already in that form (or unparsable) is returned unchanged."""
    ms = _search.iso_to_ms(value)
    if ms is None or "T" not in value:
        return value
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def event_time(value: str) -> str:
    """A time as the calendars API shows it: ISO 8601 with an offset (``+00:00`` for the
    fake's zone-less seeds)."""
    ms = _search.iso_to_ms(value)
    if ms is None:
        return value
    if "T" in value and (value.endswith("Z") or "+" in value[10:] or "-" in value[10:]):
        return value
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat()
