"""FakeGHL against the official OpenAPI files: its hard-coded validation tables equal the spec,
it serves every contacts operation (and the locations/calendars operations of issue 10) on the
spec's path, and what it answers validates against the spec's response schemas (openapi-core;
the locations/calendars answers are validated in test_fake_endpoints.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from ghlsdk.testing import BASE_URL, OPERATIONS, FakeClock, FakeGHL, _schema
from ghlsdk.testing._fake import _ROUTES

# Copies of the official OpenAPI files (tests/fixtures/README.md says where they came from).
SPEC_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "ghl" / "apps"
SPEC_PATH = SPEC_DIR / "contacts.json"
OAUTH_SPEC: dict[str, Any] = json.loads((SPEC_DIR / "oauth.json").read_text())
#: OAuth operations the fake serves (installedLocations is not served).
OAUTH_SERVED = {"get-access-token", "get-location-access-token"}

SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
#: Spec operations of contacts.json the fake does not serve (none: 32/32).
NOT_SERVED: set[str] = set()
#: Operations of locations.json and calendars.json the fake serves.
OTHER_SERVED = {
    "task-search",
    "get-custom-fields",
    "create-custom-field",
    "get-custom-field",
    "update-custom-field",
    "delete-custom-field",
    "get-calendars",
    "get-calendar-events",
    "create-appointment",
    "get-appointment",
    "edit-appointment",
    "delete-event",
}
OTHER_SPECS = {
    name: json.loads((SPEC_DIR / name).read_text()) for name in ("locations.json", "calendars.json")
}


def _operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    out = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "delete"):
                out[op["operationId"]] = (method.upper(), path, op)
    return out


SPEC_OPS = _operations(SPEC)
#: operationId -> (method, path, operation, the spec's schemas) of the other files' served ops.
OTHER_OPS = {
    op_id: (*found, other["components"]["schemas"])
    for other in OTHER_SPECS.values()
    for op_id, found in _operations(other).items()
    if op_id in OTHER_SERVED
}
ALL_OPS = {
    **SPEC_OPS,
    **_operations(OAUTH_SPEC),
    **{k: v[:3] for k, v in OTHER_OPS.items()},
}


def _schema_of(ref: dict[str, Any], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return (schemas or SCHEMAS)[ref["$ref"].rsplit("/", 1)[1]]


def _op(operation: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The operation (from any of the files) and the schemas of its file."""
    if operation in SPEC_OPS:
        return SPEC_OPS[operation][2], SCHEMAS
    return OTHER_OPS[operation][2], OTHER_OPS[operation][3]


def test_served_operations_are_the_spec_operations() -> None:
    assert set(OPERATIONS) == (set(SPEC_OPS) - NOT_SERVED) | OAUTH_SERVED | OTHER_SERVED


@pytest.mark.parametrize("route", _ROUTES, ids=lambda r: r.operation)
def test_routes_use_the_spec_method_and_path(route: Any) -> None:
    method, path, _ = ALL_OPS[route.operation]
    assert route.method == method
    concrete = path.rstrip("/").replace("{", "").replace("}", "")
    match = route.pattern.fullmatch(concrete)
    assert match is not None, (route.operation, path)


@pytest.mark.parametrize("operation", sorted(_schema.BODY_RULES))
def test_body_tables_match_the_spec(operation: str) -> None:
    rule = _schema.BODY_RULES[operation]
    op, schemas = _op(operation)
    body = op.get("requestBody")
    if operation == "search-contacts-advanced":
        # The spec's SearchBodyV2DTO is empty; the keys come from REFERENCE.md §7.1.
        assert _schema_of(body["content"]["application/json"]["schema"]).get("properties") in (
            None,
            {},
        )
        assert set(rule.fields) == {
            "locationId",
            "page",
            "pageLimit",
            "searchAfter",
            "query",
            "filters",
            "sort",
        }
        return
    assert body is not None, operation
    schema = _schema_of(body["content"]["application/json"]["schema"], schemas)
    assert set(rule.fields) == set(schema.get("properties", {})), operation
    assert set(rule.required) == set(schema.get("required", [])), operation


def test_body_rules_cover_every_operation_with_a_body() -> None:
    ops = {**{k: v[2] for k, v in SPEC_OPS.items()}, **{k: v[2] for k, v in OTHER_OPS.items()}}
    with_body = {
        op_id for op_id, op in ops.items() if "requestBody" in op and op_id not in NOT_SERVED
    }
    assert with_body == set(_schema.BODY_RULES)


@pytest.mark.parametrize("operation", sorted(_schema.QUERY_RULES))
def test_query_tables_match_the_spec(operation: str) -> None:
    allowed, required = _schema.QUERY_RULES[operation]
    op, _ = _op(operation)
    query = [p for p in op["parameters"] if p["in"] == "query"]
    assert allowed == {p["name"] for p in query}
    assert set(required) == {p["name"] for p in query if p.get("required")}


def test_operations_with_query_parameters_are_checked() -> None:
    ops = {**{k: v[2] for k, v in SPEC_OPS.items()}, **{k: v[2] for k, v in OTHER_OPS.items()}}
    with_query = {
        op_id for op_id, op in ops.items() if any(p["in"] == "query" for p in op["parameters"])
    }
    assert with_query == set(_schema.QUERY_RULES)


def test_custom_field_item_keys_match_the_spec() -> None:
    items = SCHEMAS["CreateContactDto"]["properties"]["customFields"]["items"]["anyOf"]
    for ref in items:
        assert set(_schema_of(ref)["properties"]) == _schema.CUSTOM_FIELD_KEYS


# ---------------------------------------------------------------- responses vs the spec


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    # The official file fails strict spec validation (its securityScheme mixes fields).
    return OpenAPI.from_file_path(str(SPEC_PATH), config=Config(spec_validator_cls=None))


class Recorder:
    """Runs calls against a fake and validates each request and response with openapi-core."""

    def __init__(self, openapi: OpenAPI) -> None:
        self.openapi = openapi
        self.fake = FakeGHL(clock=FakeClock())
        headers = {"Authorization": f"Bearer {self.fake.token}", "Version": "2021-07-28"}
        self.client = httpx.Client(transport=self.fake, base_url=BASE_URL, headers=headers)
        self.validated: list[tuple[str, int]] = []

    def call(
        self, method: str, path: str, *, check_request: bool = True, **kw: Any
    ) -> httpx.Response:
        r = self.client.request(method, path, **kw)
        declared = SPEC_OPS[self.fake.requests[-1].operation or ""][2]["responses"]
        assert str(r.status_code) in declared, (method, path, r.status_code, r.text)
        req = MockRequest(
            BASE_URL,
            method.lower(),
            r.request.url.path,
            headers=dict(r.request.headers),
            args=dict(r.request.url.params),
            data=r.request.content or None,
            content_type="application/json",
        )
        if check_request:
            self.openapi.validate_request(req)
        resp = MockResponse(r.content, status_code=r.status_code, content_type="application/json")
        self.openapi.validate_response(req, resp)
        self.validated.append((self.fake.requests[-1].operation or "", r.status_code))
        return r


@pytest.fixture
def rec(openapi: OpenAPI) -> Iterator[Recorder]:
    recorder = Recorder(openapi)
    yield recorder
    recorder.client.close()


def test_every_operation_answers_in_the_spec_shape(rec: Recorder) -> None:
    fake = rec.fake
    loc = fake.location_id
    seeded = fake.add_contact(
        firstName="Seed",
        email="seed@example.com",
        businessId="641c094001436dbc2081e642",
        dndSettings={"SMS": {"status": "active"}},
        customFields=[{"id": "cf", "value": "v"}],
    )
    sid = seeded["id"]
    fake.add_appointment(sid)
    created = rec.call(
        "POST",
        "/contacts/",
        json={
            "locationId": loc,
            "firstName": "New",
            "email": "new@example.com",
            "tags": ["a"],
            "customFields": [{"id": "cf2", "field_value": "x"}],
        },
    ).json()["contact"]
    cid = created["id"]
    rec.call("GET", f"/contacts/{cid}")
    rec.call("PUT", f"/contacts/{cid}", json={"lastName": "Person"})
    rec.call("POST", "/contacts/upsert", json={"locationId": loc, "email": "seed@example.com"})
    rec.call("GET", "/contacts/", params={"locationId": loc, "limit": 1})
    rec.call("GET", "/contacts/business/641c094001436dbc2081e642", params={"locationId": loc})
    rec.call("POST", "/contacts/search", json={"locationId": loc, "pageLimit": 5})
    rec.call("GET", "/contacts/search/duplicate", params={"locationId": loc, "email": "x@y.z"})
    rec.call(
        "POST",
        "/contacts/bulk/business",
        json={"locationId": loc, "ids": [cid], "businessId": "641c094001436dbc2081e642"},
    )
    task = rec.call(
        "POST",
        f"/contacts/{cid}/tasks",
        json={"title": "T", "dueDate": "2024-02-01T00:00:00Z", "completed": False},
    ).json()["task"]
    rec.call("GET", f"/contacts/{cid}/tasks")
    rec.call("GET", f"/contacts/{cid}/tasks/{task['id']}")
    rec.call("PUT", f"/contacts/{cid}/tasks/{task['id']}", json={"title": "T2"})
    rec.call("PUT", f"/contacts/{cid}/tasks/{task['id']}/completed", json={"completed": True})
    rec.call("DELETE", f"/contacts/{cid}/tasks/{task['id']}")
    note = rec.call("POST", f"/contacts/{cid}/notes", json={"body": "N"}).json()["note"]
    rec.call("GET", f"/contacts/{cid}/notes")
    rec.call("GET", f"/contacts/{cid}/notes/{note['id']}")
    rec.call("PUT", f"/contacts/{cid}/notes/{note['id']}", json={"pinned": True})
    rec.call("DELETE", f"/contacts/{cid}/notes/{note['id']}")
    rec.call("GET", f"/contacts/{sid}/appointments")
    rec.call("POST", f"/contacts/{cid}/tags", json={"tags": ["b"]})
    rec.call("DELETE", f"/contacts/{cid}/tags", json={"tags": ["a"]})
    rec.call("POST", f"/contacts/{cid}/followers", json={"followers": ["u1"]})
    rec.call("DELETE", f"/contacts/{cid}/followers", json={"followers": ["u1"]})
    rec.call("POST", f"/contacts/{cid}/campaigns/camp1", json={})
    rec.call("DELETE", f"/contacts/{cid}/campaigns/camp1")
    rec.call("DELETE", f"/contacts/{cid}/campaigns/removeAll")
    rec.call(
        "POST", f"/contacts/{cid}/workflow/wf1", json={"eventStartTime": "2024-02-01T00:00:00Z"}
    )
    rec.call("DELETE", f"/contacts/{cid}/workflow/wf1", json={})
    rec.call("DELETE", f"/contacts/{cid}")
    # The bulk tag update is checked in test_fake_endpoints.py: its spec entry lacks the
    # {type} parameter and types each outcome as a string while its example has objects.
    assert {op for op, _ in rec.validated} == set(SPEC_OPS) - {"create-association"}


def test_declared_error_responses_validate(rec: Recorder) -> None:
    loc = rec.fake.location_id
    rec.fake.add_contact(email="dup@example.com")
    assert rec.call("POST", "/contacts/", json={"locationId": loc, "x": 1}).status_code == 422
    r = rec.call("POST", "/contacts/", json={"locationId": loc, "email": "dup@example.com"})
    assert r.status_code == 400
    r = rec.call("GET", "/contacts/x", headers={"Version": "1999-01-01"}, check_request=False)
    assert r.status_code == 401


def _props(name: str) -> set[str]:
    return set(SCHEMAS[name]["properties"])


def test_contact_keys_come_from_the_spec(rec: Recorder) -> None:
    fake = rec.fake
    body = {
        "locationId": fake.location_id,
        **{k: "x" for k in ("firstName", "lastName", "email", "phone", "address1", "city")},
        **{k: "x" for k in ("state", "postalCode", "website", "timezone", "source", "country")},
        "companyName": "x",
        "assignedTo": "u",
        "dateOfBirth": "1990-01-01",
        "dnd": True,
        "tags": ["t"],
    }
    # The spec types dateOfBirth as an object; real clients send a string (REFERENCE §7.1).
    created = rec.call("POST", "/contacts/", json=body, check_request=False).json()["contact"]
    assert set(created) <= _props("CreateContactSchema") | {"name", "timezone"}
    got = rec.call("GET", f"/contacts/{created['id']}").json()["contact"]
    assert set(got) <= _props("GetContectByIdSchema")
    listed = rec.call("GET", "/contacts/", params={"locationId": fake.location_id}).json()
    assert set(listed["contacts"][0]) <= _props("GetContectByIdSchema")
    assert set(listed["meta"]) == _props("ContactsMetaSchema")


def test_task_note_and_event_keys_come_from_the_spec(rec: Recorder) -> None:
    fake = rec.fake
    c = fake.add_contact(firstName="A")
    event = fake.add_appointment(c["id"])
    assert set(event) <= _props("GetEventSchema")
    note = rec.call(
        "POST",
        f"/contacts/{c['id']}/notes",
        json={"body": "b", "userId": "u", "title": "t", "color": "#fff", "pinned": False},
    ).json()["note"]
    assert set(note) == _props("GetNoteSchema")
    task = fake.add_task(c["id"], title="t", body="b", assignedTo="u")
    assert set(task) == _props("TaskSchema")
