"""Request-body and query rules of the GHL API, hard-coded from ``apps/contacts.json``,
``apps/locations.json`` (task search, custom fields) and ``apps/calendars.json``.

The fake rejects what the real API rejects: a property the operation does not declare gets
422 ``property X should not exist``; a missing required property is refused; a value of the
wrong JSON type gets a class-validator style 422. The tables are kept in sync with the
official OpenAPI file by a test (``tests/ghlsdk/test_fake_schema.py``), so shipping the spec
inside the package is not needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "BODY_RULES",
    "CUSTOM_FIELD_KEYS",
    "QUERY_RULES",
    "SEARCH_BODY_KEYS",
    "BodyRule",
    "check_body",
    "check_type",
]

# Wire type tags used by check_type.
STR = "string"
STR_NULL = "string?"
BOOL = "boolean"
STR_LIST = "string[]"
LIST = "array"
OBJECT = "object"
OBJECT_NULL = "object?"
NUMBER = "number"
ANY = "any"

_CONTACT_FIELDS: dict[str, str] = {
    "firstName": STR_NULL,
    "lastName": STR_NULL,
    "name": STR_NULL,
    "email": STR_NULL,
    "phone": STR_NULL,
    "address1": STR_NULL,
    "city": STR_NULL,
    "state": STR_NULL,
    "postalCode": STR_NULL,
    "website": STR_NULL,
    "timezone": STR_NULL,
    "dnd": BOOL,
    "dndSettings": OBJECT,
    "inboundDndSettings": OBJECT,
    "tags": STR_LIST,
    "customFields": LIST,
    "source": STR_NULL,
    # The spec types dateOfBirth as a nullable object; real clients send a string.
    "dateOfBirth": ANY,
    "country": STR_NULL,
    "assignedTo": STR_NULL,
}

CREATE_CONTACT: dict[str, str] = {
    **_CONTACT_FIELDS,
    "locationId": STR,
    "gender": STR_NULL,
    "companyName": STR_NULL,
}
UPDATE_CONTACT: dict[str, str] = dict(_CONTACT_FIELDS)
UPSERT_CONTACT: dict[str, str] = {**CREATE_CONTACT, "createNewIfDuplicateAllowed": BOOL}

_TASK_FIELDS: dict[str, str] = {
    "title": STR,
    "body": STR_NULL,
    "dueDate": STR,
    "completed": BOOL,
    "assignedTo": STR_NULL,
}
_NOTE_FIELDS: dict[str, str] = {
    "userId": STR,
    "body": STR,
    "title": STR,
    "color": STR,
    "pinned": BOOL,
}

#: Keys of one item of ``customFields`` in create/update/upsert bodies.
CUSTOM_FIELD_KEYS = frozenset({"id", "key", "field_value"})

#: ``POST /contacts/search`` body (the spec leaves it empty; keys from REFERENCE.md §7.1).
SEARCH_BODY_KEYS: dict[str, str] = {
    "locationId": STR,
    "page": NUMBER,
    "pageLimit": NUMBER,
    "searchAfter": LIST,
    "query": STR,
    "filters": LIST,
    "sort": LIST,
}

_APPOINTMENT_EDIT: dict[str, str] = {
    "title": STR,
    "meetingLocationType": STR,
    "meetingLocationId": STR,
    "overrideLocationConfig": BOOL,
    "appointmentStatus": STR,
    "assignedUserId": STR,
    "description": STR,
    "address": STR,
    "ignoreDateRange": BOOL,
    "toNotify": BOOL,
    "ignoreFreeSlotValidation": BOOL,
    "rrule": STR,
    "calendarId": STR,
    "startTime": STR,
    "endTime": STR,
}
_APPOINTMENT_CREATE: dict[str, str] = {**_APPOINTMENT_EDIT, "locationId": STR, "contactId": STR}
_FIELD_UPDATE: dict[str, str] = {
    "name": STR,
    "placeholder": STR,
    "acceptedFormat": STR_LIST,
    "isMultipleFile": BOOL,
    "maxNumberOfFiles": NUMBER,
    "textBoxListOptions": LIST,
    "position": NUMBER,
    "model": STR,
}
_TASK_SEARCH: dict[str, str] = {
    "contactId": STR_LIST,
    "completed": BOOL,
    "assignedTo": STR_LIST,
    "query": STR,
    "limit": NUMBER,
    "skip": NUMBER,
    "businessId": STR,
}


class BodyRule:
    """Allowed properties (with their wire type) and required properties of one body."""

    __slots__ = ("fields", "required")

    def __init__(self, fields: Mapping[str, str], required: tuple[str, ...] = ()) -> None:
        self.fields = dict(fields)
        self.required = required


#: operationId -> body rule, for every operation of the fake that takes a JSON body.
BODY_RULES: dict[str, BodyRule] = {
    "create-contact": BodyRule(CREATE_CONTACT, ("locationId",)),
    "update-contact": BodyRule(UPDATE_CONTACT),
    "upsert-contact": BodyRule(UPSERT_CONTACT, ("locationId",)),
    "search-contacts-advanced": BodyRule(SEARCH_BODY_KEYS, ("locationId", "pageLimit")),
    "create-task": BodyRule(_TASK_FIELDS, ("title", "dueDate", "completed")),
    "update-task": BodyRule(_TASK_FIELDS),
    "update-task-completed": BodyRule({"completed": BOOL}, ("completed",)),
    "create-note": BodyRule(_NOTE_FIELDS, ("body",)),
    "update-note": BodyRule(_NOTE_FIELDS),
    "add-tags": BodyRule({"tags": STR_LIST}, ("tags",)),
    "remove-tags": BodyRule({"tags": STR_LIST}, ("tags",)),
    "add-followers-contact": BodyRule({"followers": STR_LIST}, ("followers",)),
    "remove-followers-contact": BodyRule({"followers": STR_LIST}, ("followers",)),
    "add-contact-to-campaign": BodyRule({}),
    "add-contact-to-workflow": BodyRule({"eventStartTime": STR}),
    "delete-contact-from-workflow": BodyRule({"eventStartTime": STR}),
    "add-remove-contact-from-business": BodyRule(
        {"locationId": STR, "ids": STR_LIST, "businessId": STR_NULL},
        ("locationId", "ids", "businessId"),
    ),
    "create-association": BodyRule(
        {"contacts": STR_LIST, "tags": STR_LIST, "locationId": STR, "removeAllTags": BOOL},
        ("contacts", "tags", "locationId"),
    ),
    # apps/locations.json
    "task-search": BodyRule(_TASK_SEARCH),
    "create-custom-field": BodyRule({**_FIELD_UPDATE, "dataType": STR}, ("name", "dataType")),
    "update-custom-field": BodyRule(_FIELD_UPDATE, ("name",)),
    # apps/calendars.json
    "create-appointment": BodyRule(
        _APPOINTMENT_CREATE, ("calendarId", "locationId", "contactId", "startTime")
    ),
    "edit-appointment": BodyRule(_APPOINTMENT_EDIT),
    "delete-event": BodyRule({}),
}

#: operationId -> (allowed query parameters, required query parameters).
QUERY_RULES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "get-contacts": (
        frozenset({"locationId", "startAfterId", "startAfter", "query", "limit"}),
        ("locationId",),
    ),
    "get-contacts-by-businessId": (
        frozenset({"limit", "locationId", "skip", "query"}),
        ("locationId",),
    ),
    "get-duplicate-contact": (frozenset({"locationId", "number", "email"}), ("locationId",)),
    "get-custom-fields": (frozenset({"model"}), ()),
    "get-calendars": (frozenset({"locationId", "groupId", "showDrafted"}), ("locationId",)),
    "get-calendar-events": (
        frozenset({"locationId", "userId", "calendarId", "groupId", "startTime", "endTime"}),
        ("locationId", "startTime", "endTime"),
    ),
}


def check_type(name: str, value: Any, kind: str) -> str | None:
    """Return a class-validator style message when ``value`` is not of ``kind``."""
    if kind == ANY:
        return None
    if value is None:
        return None if kind in (STR_NULL, OBJECT_NULL) else f"{name} should not be null"
    if kind in (STR, STR_NULL):
        return None if isinstance(value, str) else f"{name} must be a string"
    if kind == BOOL:
        return None if isinstance(value, bool) else f"{name} must be a boolean value"
    if kind == NUMBER:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"{name} must be a number"
    if kind in (OBJECT, OBJECT_NULL):
        return None if isinstance(value, dict) else f"{name} must be an object"
    if kind == LIST:
        return None if isinstance(value, list) else f"{name} must be an array"
    if kind == STR_LIST:
        if not isinstance(value, list):
            return f"{name} must be an array"
        if not all(isinstance(v, str) for v in value):
            return f"each value in {name} must be a string"
        return None
    raise AssertionError(f"unknown kind {kind}")  # pragma: no cover


def check_body(rule: BodyRule, body: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Validate ``body``: return (missing required names, 422 messages)."""
    problems: list[str] = []
    for key in body:
        if key not in rule.fields:
            problems.append(f"property {key} should not exist")
    for key, value in body.items():
        kind = rule.fields.get(key)
        if kind is None:
            continue
        msg = check_type(key, value, kind)
        if msg:
            problems.append(msg)
    if isinstance(body.get("customFields"), list):
        for i, item in enumerate(body["customFields"]):
            if not isinstance(item, dict):
                problems.append(f"customFields.{i} must be an object")
                continue
            for key in item:
                if key not in CUSTOM_FIELD_KEYS:
                    problems.append(f"customFields.{i}.property {key} should not exist")
            if "id" not in item and "key" not in item:
                problems.append(f"customFields.{i}.id must be a string")
    if isinstance(body.get("dndSettings"), dict):
        for channel, setting in body["dndSettings"].items():
            if not isinstance(setting, dict) or "status" not in setting:
                problems.append(f"dndSettings.{channel}.status must be a string")
                continue
            for key in setting:
                if key not in ("status", "message", "code"):
                    problems.append(f"dndSettings.{channel}.property {key} should not exist")
    missing = [name for name in rule.required if name not in body]
    return missing, problems
