"""The route table of FakeGHL: every operation it serves (method, path template, the spec's
operationId, the handler method, the scope and ``Version`` it requires), and the matching.

A request path is matched against the routes of its method; a route with more literal
segments wins over one that captures them (``/contacts/search`` before ``/contacts/{id}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from ghlsdk.testing._base import CALENDARS_VERSION, CONTACTS_VERSION, READ, WRITE

__all__ = ["FORM_SECRETS", "OPERATIONS", "ROUTES", "Route", "clean_path", "match"]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: str
    scope: str
    #: "location": location token + Version; "agency": company token + Version;
    #: "token": no bearer token, no Version (the OAuth token endpoint).
    kind: str = "location"
    #: the ``Version`` the spec requires ("2021-07-28", or "2021-04-15" for calendars).
    version: str = CONTACTS_VERSION
    literals: int = 0


def route(
    method: str,
    template: str,
    operation: str,
    handler: str,
    scope: str,
    kind: str = "location",
    version: str = CONTACTS_VERSION,
) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    literals = sum(1 for part in template.split("/") if part and "{" not in part)
    return Route(method, re.compile(regex), operation, handler, scope, kind, version, literals)


_CONTACT_ROUTES: tuple[Route, ...] = (
    route("POST", "/oauth/token", "get-access-token", "_oauth_token", "", "token"),
    route(
        "POST",
        "/oauth/locationToken",
        "get-location-access-token",
        "_location_token",
        "oauth.write",
        "agency",
    ),
    route("GET", "/contacts", "get-contacts", "_list_contacts", READ),
    route("POST", "/contacts", "create-contact", "_create_contact", WRITE),
    route("POST", "/contacts/search", "search-contacts-advanced", "_search", READ),
    route("GET", "/contacts/search/duplicate", "get-duplicate-contact", "_duplicate", READ),
    route("POST", "/contacts/upsert", "upsert-contact", "_upsert_contact", WRITE),
    route(
        "GET",
        "/contacts/business/{businessId}",
        "get-contacts-by-businessId",
        "_list_by_business",
        READ,
    ),
    route(
        "POST",
        "/contacts/bulk/business",
        "add-remove-contact-from-business",
        "_bulk_business",
        WRITE,
    ),
    route("GET", "/contacts/{contactId}", "get-contact", "_get_contact", READ),
    route("PUT", "/contacts/{contactId}", "update-contact", "_update_contact", WRITE),
    route("DELETE", "/contacts/{contactId}", "delete-contact", "_delete_contact", WRITE),
    route("GET", "/contacts/{contactId}/tasks", "get-all-tasks", "_list_tasks", READ),
    route("POST", "/contacts/{contactId}/tasks", "create-task", "_create_task", WRITE),
    route("GET", "/contacts/{contactId}/tasks/{taskId}", "get-task", "_get_task", READ),
    route("PUT", "/contacts/{contactId}/tasks/{taskId}", "update-task", "_update_task", WRITE),
    route("DELETE", "/contacts/{contactId}/tasks/{taskId}", "delete-task", "_delete_task", WRITE),
    route(
        "PUT",
        "/contacts/{contactId}/tasks/{taskId}/completed",
        "update-task-completed",
        "_complete_task",
        WRITE,
    ),
    route("GET", "/contacts/{contactId}/notes", "get-all-notes", "_list_notes", READ),
    route("POST", "/contacts/{contactId}/notes", "create-note", "_create_note", WRITE),
    route("GET", "/contacts/{contactId}/notes/{id}", "get-note", "_get_note", READ),
    route("PUT", "/contacts/{contactId}/notes/{id}", "update-note", "_update_note", WRITE),
    route("DELETE", "/contacts/{contactId}/notes/{id}", "delete-note", "_delete_note", WRITE),
    route(
        "GET",
        "/contacts/{contactId}/appointments",
        "get-appointments-for-contact",
        "_list_appointments",
        READ,
    ),
    route("POST", "/contacts/{contactId}/tags", "add-tags", "_add_tags", WRITE),
    route("DELETE", "/contacts/{contactId}/tags", "remove-tags", "_remove_tags", WRITE),
    route(
        "POST",
        "/contacts/{contactId}/followers",
        "add-followers-contact",
        "_add_followers",
        WRITE,
    ),
    route(
        "DELETE",
        "/contacts/{contactId}/followers",
        "remove-followers-contact",
        "_remove_followers",
        WRITE,
    ),
    route(
        "DELETE",
        "/contacts/{contactId}/campaigns/removeAll",
        "remove-contact-from-every-campaign",
        "_remove_all_campaigns",
        WRITE,
    ),
    route(
        "POST",
        "/contacts/{contactId}/campaigns/{campaignId}",
        "add-contact-to-campaign",
        "_add_campaign",
        WRITE,
    ),
    route(
        "DELETE",
        "/contacts/{contactId}/campaigns/{campaignId}",
        "remove-contact-from-campaign",
        "_remove_campaign",
        WRITE,
    ),
    route(
        "POST",
        "/contacts/{contactId}/workflow/{workflowId}",
        "add-contact-to-workflow",
        "_add_workflow",
        WRITE,
    ),
    route(
        "DELETE",
        "/contacts/{contactId}/workflow/{workflowId}",
        "delete-contact-from-workflow",
        "_remove_workflow",
        WRITE,
    ),
)


_CAL = CALENDARS_VERSION
_APPTS = "/calendars/events/appointments"
_EVENTS_READ, _EVENTS_WRITE = "calendars/events.readonly", "calendars/events.write"
_FIELDS = "/locations/{locationId}/customFields"
_FIELDS_READ, _FIELDS_WRITE = "locations/customFields.readonly", "locations/customFields.write"

_NEW_ROUTES: tuple[Route, ...] = (
    route(
        "POST",
        "/contacts/bulk/tags/update/{type}",
        "create-association",
        "_bulk_tags",
        WRITE,
    ),
    route(
        "POST",
        "/locations/{locationId}/tasks/search",
        "task-search",
        "_search_tasks",
        "locations/tasks.readonly",
    ),
    route("GET", _FIELDS, "get-custom-fields", "_list_fields", _FIELDS_READ),
    route("POST", _FIELDS, "create-custom-field", "_create_field", _FIELDS_WRITE),
    route("GET", _FIELDS + "/{id}", "get-custom-field", "_get_field", _FIELDS_READ),
    route("PUT", _FIELDS + "/{id}", "update-custom-field", "_update_field", _FIELDS_WRITE),
    route("DELETE", _FIELDS + "/{id}", "delete-custom-field", "_delete_field", _FIELDS_WRITE),
    route(
        "GET", "/calendars", "get-calendars", "_list_calendars", "calendars.readonly", version=_CAL
    ),
    route(
        "GET",
        "/calendars/events",
        "get-calendar-events",
        "_list_events",
        _EVENTS_READ,
        version=_CAL,
    ),
    route("POST", _APPTS, "create-appointment", "_create_appointment", _EVENTS_WRITE, version=_CAL),
    route(
        "GET",
        _APPTS + "/{eventId}",
        "get-appointment",
        "_get_appointment",
        _EVENTS_READ,
        version=_CAL,
    ),
    route(
        "PUT",
        _APPTS + "/{eventId}",
        "edit-appointment",
        "_edit_appointment",
        _EVENTS_WRITE,
        version=_CAL,
    ),
    route(
        "DELETE",
        "/calendars/events/{eventId}",
        "delete-event",
        "_delete_event",
        _EVENTS_WRITE,
        version=_CAL,
    ),
)

#: Every route, in declaration order (contacts.json and oauth.json first).
ROUTES: tuple[Route, ...] = _CONTACT_ROUTES + _NEW_ROUTES

#: Every operationId the fake serves (the keys of ``FakeGHL.counters``).
OPERATIONS: tuple[str, ...] = tuple(r.operation for r in ROUTES)

_BY_METHOD: dict[str, list[Route]] = {}
for _r in sorted(ROUTES, key=lambda r: -r.literals):
    _BY_METHOD.setdefault(_r.method, []).append(_r)


def clean_path(raw_path: bytes) -> str:
    path = raw_path.decode("ascii", "replace").split("?", 1)[0]
    return path if path == "/" else path.rstrip("/") or "/"


def match(method: str, path: str) -> tuple[Route | None, dict[str, str]]:
    """The route serving ``method path`` (most literal segments first) and its parameters."""
    for candidate in _BY_METHOD.get(method, ()):
        m = candidate.pattern.fullmatch(path)
        if m:
            return candidate, {k: unquote(v) for k, v in m.groupdict().items()}
    return None, {}


#: Form fields of the OAuth endpoints recorded masked.
FORM_SECRETS = frozenset({"client_secret", "refresh_token", "code"})
