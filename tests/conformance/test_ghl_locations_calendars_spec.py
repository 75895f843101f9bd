"""Conformance of ghlsdk with ``apps/locations.json`` (task search, custom fields) and
``apps/calendars.json`` (calendars, events, appointments), as for contacts.json: every request
the client builds validates with openapi-core, an example response built from the spec parses
into the returned model, and every operation the SDK claims is in the spec with its method,
path, ``Version`` and scope. Sync and async clients send identical requests.

Spec defects patched in memory: the bearer schemes carry ``name``/``in`` (refused by the
validator, and the files are not strictly valid OpenAPI 3.0, so the spec itself is not
validated); get/update/delete custom field declare an empty scope list (``bearer: []``);
``LocationTaskListSuccessfulResponseDto`` types each task as an array; ``CalendarEventDTO``
types its times as objects (their examples are ISO strings).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI

from ghlsdk import AsyncGHLClient, Calendar, CalendarEvent, CustomFieldDefinition, GHLClient, Task
from ghlsdk.resources import calendars, custom_fields, tasks
from tests.conformance.test_ghl_contacts_spec import HttpxOpenAPIRequest, example_for

APPS = Path(__file__).resolve().parents[1] / "fixtures" / "ghl" / "apps"
TOKEN = "pit-conformance-token-2"
LOCATION = "ve9EPM428h8vShlRW1KT"
START = datetime(2023, 4, 1, 18, 30, tzinfo=timezone.utc)
END = datetime(2023, 4, 8, 18, 29, 59, tzinfo=timezone.utc)


def _load(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((APPS / name).read_text())
    for scheme in spec["components"]["securitySchemes"].values():
        scheme.pop("name", None)
        scheme.pop("in", None)
    event = spec["components"]["schemas"].get("CalendarEventDTO")
    if event is not None:  # times are typed "object" but are ISO strings (their examples)
        for key in ("startTime", "endTime", "dateAdded", "dateUpdated"):
            event["properties"][key]["type"] = "string"
    return spec


SPECS = {"locations": _load("locations.json"), "calendars": _load("calendars.json")}
OPS = {
    "locations": tasks.LOCATION_OPERATIONS + custom_fields.OPERATIONS,
    "calendars": calendars.OPERATIONS,
}


def _spec_path(template: str) -> str:
    return (
        template.replace("{location_id}", "{locationId}")
        .replace("{field_id}", "{id}")
        .replace("{event_id}", "{eventId}")
    )


CALLS: list[tuple[str, str, Callable[[Any], Any], type]] = [
    (
        "locations",
        "task-search",
        lambda g: g.tasks.search(
            contact_ids=["c1"], completed=False, assigned_to=["u1"], query="x", business_id="b"
        ),
        Task,
    ),
    (
        "locations",
        "get-custom-fields",
        lambda g: g.custom_fields.list(model="contact"),
        CustomFieldDefinition,
    ),
    ("locations", "get-custom-field", lambda g: g.custom_fields.get("f1"), CustomFieldDefinition),
    (
        "locations",
        "create-custom-field",
        lambda g: g.custom_fields.create(
            name="Size",
            data_type="TEXT",
            placeholder="p",
            position=1,
            model="contact",
            choices=["S"],
        ),
        CustomFieldDefinition,
    ),
    (
        "locations",
        "update-custom-field",
        lambda g: g.custom_fields.update("f1", name="Size"),
        CustomFieldDefinition,
    ),
    ("locations", "delete-custom-field", lambda g: g.custom_fields.delete("f1"), type(None)),
    (
        "calendars",
        "get-calendars",
        lambda g: g.calendars.list(group_id="g1", show_drafted=False),
        Calendar,
    ),
    (
        "calendars",
        "get-calendar-events",
        lambda g: g.calendars.events(START, END, calendar_id="c1"),
        CalendarEvent,
    ),
    ("calendars", "get-appointment", lambda g: g.appointments.get("e1"), CalendarEvent),
    (
        "calendars",
        "create-appointment",
        lambda g: g.appointments.create(
            calendar_id="cal1",
            contact_id="c1",
            start_time=START,
            end_time="2023-04-01T19:30:00+00:00",
            title="T",
            appointment_status="confirmed",
            meeting_location_type="custom",
            ignore_free_slot_validation=True,
            to_notify=False,
        ),
        CalendarEvent,
    ),
    (
        "calendars",
        "edit-appointment",
        lambda g: g.appointments.update("e1", title="T2"),
        CalendarEvent,
    ),
    ("calendars", "delete-event", lambda g: g.appointments.delete("e1"), type(None)),
]


def _op(area: str, op_id: str) -> Any:
    return next(op for op in OPS[area] if op.operation_id == op_id)


def _example(area: str, op: Any) -> Any:
    spec = SPECS[area]
    declared = spec["paths"][_spec_path(op.path)][op.method.lower()]
    for status, response in sorted(declared["responses"].items()):
        if status.startswith("2"):
            schema = response["content"]["application/json"]["schema"]
            example = example_for(spec, schema)
            if op.operation_id == "task-search":  # spec types each task as an array
                example = {"tasks": [{"id": "t1", "title": "x", "contactId": "c1"}]}
            return example
    raise AssertionError(op.operation_id)


@pytest.mark.parametrize(("area", "op_id", "call", "result_type"), CALLS, ids=[c[1] for c in CALLS])
def test_requests_conform_and_examples_parse(
    area: str, op_id: str, call: Callable[[Any], Any], result_type: type
) -> None:
    op = _op(area, op_id)
    example = _example(area, op)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=example)

    ghl = GHLClient(
        token=TOKEN,
        location_id=LOCATION,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    result = call(ghl)
    items = (
        list(result)
        if isinstance(result, list)
        or (
            hasattr(result, "__iter__")
            and not isinstance(result, (str, dict))
            and not hasattr(result, "extra")
        )
        else [result]
    )
    assert all(isinstance(i, result_type) for i in items), items
    # The files fail strict spec validation (OpenAPI 3.1 keywords such as "examples" in 3.0).
    openapi = OpenAPI.from_dict(
        SPECS[area],
        base_uri=(APPS / f"{area}.json").resolve().as_uri(),
        config=Config(spec_validator_cls=None),
    )
    openapi.validate_request(HttpxOpenAPIRequest(sent[0]))
    declared = SPECS[area]["paths"][_spec_path(op.path)][op.method.lower()]
    assert declared["operationId"] == op_id
    assert sent[0].headers["Version"] == declared["parameters"][0]["schema"]["enum"][0]
    scopes = declared["security"][0]["bearer"]
    assert scopes in ([op.scope], []), op.name  # [] is the spec's gap on three custom field ops

    async_sent: list[httpx.Request] = []

    async def ahandler(request: httpx.Request) -> httpx.Response:
        async_sent.append(request)
        return httpx.Response(200, json=example)

    async def run_async() -> None:
        aghl = AsyncGHLClient(
            token=TOKEN,
            location_id=LOCATION,
            max_retries=0,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(ahandler)),
        )
        out = call(aghl)
        if hasattr(out, "__aiter__"):
            [i async for i in out]
        else:
            await out

    asyncio.run(run_async())
    assert [(r.method, str(r.url), r.content) for r in async_sent[:1]] == [
        (sent[0].method, str(sent[0].url), sent[0].content)
    ]


def test_every_claimed_operation_has_a_call() -> None:
    claimed = {(area, op.operation_id) for area, ops in OPS.items() for op in ops}
    assert {(c[0], c[1]) for c in CALLS} == claimed
    for area, ops in OPS.items():
        for op in ops:
            assert op.method.lower() in SPECS[area]["paths"][_spec_path(op.path)], op.name
