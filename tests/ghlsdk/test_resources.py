"""Every resource method, sync and async, against respx: exact method, path, query, headers
(``Version``, ``Authorization``) and body, and the typed result."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import httpx
import pytest
import respx

from ghlsdk import (
    UNSET,
    Appointment,
    AppointmentStatus,
    AsyncGHLClient,
    Contact,
    CustomField,
    CustomFieldInput,
    DndSetting,
    DndStatus,
    FollowersUpdate,
    GHLClient,
    InboundDndSetting,
    Note,
    Task,
    UpsertResult,
)
from tests.ghlsdk._client_helpers import (
    APPOINTMENT_JSON,
    BASE,
    CONTACT_JSON,
    LOCATION,
    NOTE_JSON,
    TASK_JSON,
    TOKEN,
    aghl,
    ghl,
    json_of,
    shared_ahttp,
    shared_http,
)

__all__ = ["aghl", "ghl", "shared_ahttp", "shared_http"]

NO_BODY = object()


@attrs.frozen(kw_only=True)
class Case:
    id: str
    call: tuple[str, str]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict)
    method: str
    path: str
    query: dict[str, Any] = attrs.field(factory=dict)
    body: Any = NO_BODY
    status: int = 200
    response: Any = None
    check: Callable[[Any], None]


def _is_contact(result: Any) -> None:
    assert isinstance(result, Contact)
    assert result.id == CONTACT_JSON["id"]
    assert result.first_name == "rubika"
    assert result.dnd_settings == {
        "Email": DndSetting(status=DndStatus.ACTIVE, message="m", code="c")
    }
    assert result.date_added == datetime(2021, 7, 2, 5, 18, 26, 704000, tzinfo=timezone.utc)


def _is_none(result: Any) -> None:
    assert result is None


def _is_task(result: Any) -> None:
    assert isinstance(result, Task)
    assert result.id == "task1"
    assert result.due_date == datetime(2021, 7, 8, 2, 30, tzinfo=timezone.utc)
    assert result.completed is False


def _is_note(result: Any) -> None:
    assert isinstance(result, Note)
    assert (result.id, result.body, result.user_id) == ("note1", "lorem ipsum", "user1")


def _tags(expected: list[str]) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert result == expected

    return check


DUE = datetime(2020, 10, 25, 11, 0, tzinfo=timezone.utc)
CEST = timezone(timedelta(hours=2))

CASES = [
    Case(
        id="contacts.get",
        call=("contacts", "get"),
        args=("seD4PfOuKoVMLkEZqohJ",),
        method="GET",
        path="/contacts/seD4PfOuKoVMLkEZqohJ",
        response={"contact": CONTACT_JSON},
        check=_is_contact,
    ),
    Case(
        id="contacts.create",
        call=("contacts", "create"),
        kwargs={
            "first_name": "Rosan",
            "last_name": None,
            "email": "rosan@deos.com",
            "company_name": "DGS VolMAX",
            "date_of_birth": date(1990, 9, 25),
            "dnd": False,
            "dnd_settings": {"SMS": DndSetting(status=DndStatus.INACTIVE)},
            "inbound_dnd_settings": InboundDndSetting(status=DndStatus.ACTIVE, message="no"),
            "tags": ["a", "b"],
            "custom_fields": [
                CustomFieldInput(id="f1", field_value="x"),
                CustomFieldInput(key="contact.size", field_value=["S", "M"]),
                CustomField(id="f3", value=12),
            ],
            "source": UNSET,
        },
        method="POST",
        path="/contacts/",
        body={
            "locationId": LOCATION,
            "firstName": "Rosan",
            "lastName": None,
            "email": "rosan@deos.com",
            "companyName": "DGS VolMAX",
            "dateOfBirth": "1990-09-25",
            "dnd": False,
            "dndSettings": {"SMS": {"status": "inactive"}},
            "inboundDndSettings": {"all": {"status": "active", "message": "no"}},
            "tags": ["a", "b"],
            "customFields": [
                {"id": "f1", "field_value": "x"},
                {"key": "contact.size", "field_value": ["S", "M"]},
                {"id": "f3", "field_value": 12},
            ],
        },
        status=201,
        response={"contact": CONTACT_JSON},
        check=_is_contact,
    ),
    Case(
        id="contacts.create.other_location",
        call=("contacts", "create"),
        kwargs={"email": "a@b.c", "location_id": "otherLoc"},
        method="POST",
        path="/contacts/",
        body={"locationId": "otherLoc", "email": "a@b.c"},
        status=201,
        response={"contact": CONTACT_JSON},
        check=_is_contact,
    ),
    Case(
        id="contacts.update",
        call=("contacts", "update"),
        args=("c1",),
        kwargs={"phone": "+15550100", "email": None, "assigned_to": UNSET, "tags": []},
        method="PUT",
        path="/contacts/c1",
        body={"phone": "+15550100", "email": None, "tags": []},
        response={"succeded": True, "contact": CONTACT_JSON},
        check=_is_contact,
    ),
    Case(
        id="contacts.delete",
        call=("contacts", "delete"),
        args=("c1",),
        method="DELETE",
        path="/contacts/c1",
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="contacts.upsert",
        call=("contacts", "upsert"),
        kwargs={"email": "rosan@deos.com", "create_new_if_duplicate_allowed": False},
        method="POST",
        path="/contacts/upsert",
        body={
            "locationId": LOCATION,
            "email": "rosan@deos.com",
            "createNewIfDuplicateAllowed": False,
        },
        response={"new": True, "contact": CONTACT_JSON, "traceId": "t-1"},
        check=lambda r: (
            (
                isinstance(r, UpsertResult)
                and r.new is True
                and r.trace_id == "t-1"
                and _is_contact(r.contact) is None
            )
            or pytest.fail(f"bad upsert result {r!r}")
        ),
    ),
    Case(
        id="contacts.find_duplicate",
        call=("contacts", "find_duplicate"),
        kwargs={"email": "a+b@x.io", "number": "+15550100"},
        method="GET",
        path="/contacts/search/duplicate",
        query={"locationId": LOCATION, "email": "a+b@x.io", "number": "+15550100"},
        response={"contact": CONTACT_JSON},
        check=_is_contact,
    ),
    Case(
        id="contacts.find_duplicate.none",
        call=("contacts", "find_duplicate"),
        kwargs={"number": "+15550100"},
        method="GET",
        path="/contacts/search/duplicate",
        query={"locationId": LOCATION, "number": "+15550100"},
        response={"contact": None},
        check=_is_none,
    ),
    Case(
        id="tasks.list",
        call=("tasks", "list"),
        args=("c1",),
        method="GET",
        path="/contacts/c1/tasks",
        response={"tasks": [TASK_JSON, {**TASK_JSON, "id": "task2"}]},
        check=lambda r: [t.id for t in r] == ["task1", "task2"] or pytest.fail(repr(r)),
    ),
    Case(
        id="tasks.get",
        call=("tasks", "get"),
        args=("c1", "task1"),
        method="GET",
        path="/contacts/c1/tasks/task1",
        response={"task": TASK_JSON},
        check=_is_task,
    ),
    Case(
        id="tasks.create",
        call=("tasks", "create"),
        args=("c1",),
        kwargs={"title": "First Task", "due_date": DUE, "body": "loram ipsum"},
        method="POST",
        path="/contacts/c1/tasks",
        body={
            "title": "First Task",
            "body": "loram ipsum",
            "dueDate": "2020-10-25T11:00:00Z",
            "completed": False,
        },
        status=201,
        response={"task": TASK_JSON},
        check=_is_task,
    ),
    Case(
        id="tasks.update",
        call=("tasks", "update"),
        args=("c1", "task1"),
        kwargs={"due_date": datetime(2020, 10, 25, 13, 0, tzinfo=CEST), "assigned_to": "u2"},
        method="PUT",
        path="/contacts/c1/tasks/task1",
        body={"dueDate": "2020-10-25T13:00:00+02:00", "assignedTo": "u2"},
        response={"task": TASK_JSON},
        check=_is_task,
    ),
    Case(
        id="tasks.complete",
        call=("tasks", "complete"),
        args=("c1", "task1"),
        method="PUT",
        path="/contacts/c1/tasks/task1/completed",
        body={"completed": True},
        response={"task": TASK_JSON},
        check=_is_task,
    ),
    Case(
        id="tasks.complete.false",
        call=("tasks", "complete"),
        args=("c1", "task1"),
        kwargs={"completed": False},
        method="PUT",
        path="/contacts/c1/tasks/task1/completed",
        body={"completed": False},
        response={"task": TASK_JSON},
        check=_is_task,
    ),
    Case(
        id="tasks.delete",
        call=("tasks", "delete"),
        args=("c1", "task1"),
        method="DELETE",
        path="/contacts/c1/tasks/task1",
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="notes.list",
        call=("notes", "list"),
        args=("c1",),
        method="GET",
        path="/contacts/c1/notes",
        response={"notes": [NOTE_JSON]},
        check=lambda r: _is_note(r[0]) if len(r) == 1 else pytest.fail(repr(r)),
    ),
    Case(
        id="notes.get",
        call=("notes", "get"),
        args=("c1", "note1"),
        method="GET",
        path="/contacts/c1/notes/note1",
        response={"note": NOTE_JSON},
        check=_is_note,
    ),
    Case(
        id="notes.create",
        call=("notes", "create"),
        args=("c1",),
        kwargs={"body": "lorem ipsum", "title": "T", "color": "#FFAA00", "pinned": True},
        method="POST",
        path="/contacts/c1/notes",
        body={"body": "lorem ipsum", "title": "T", "color": "#FFAA00", "pinned": True},
        status=201,
        response={"note": NOTE_JSON},
        check=_is_note,
    ),
    Case(
        id="notes.update",
        call=("notes", "update"),
        args=("c1", "note1"),
        kwargs={"body": "new", "user_id": "user1"},
        method="PUT",
        path="/contacts/c1/notes/note1",
        body={"body": "new", "userId": "user1"},
        response={"note": NOTE_JSON},
        check=_is_note,
    ),
    Case(
        id="notes.delete",
        call=("notes", "delete"),
        args=("c1", "note1"),
        method="DELETE",
        path="/contacts/c1/notes/note1",
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="appointments.list",
        call=("appointments", "list"),
        args=("c1",),
        method="GET",
        path="/contacts/c1/appointments",
        response={"events": [APPOINTMENT_JSON]},
        check=lambda r: (
            (
                r
                == [
                    Appointment(
                        id="ev1",
                        calendar_id="cal1",
                        status="booked",
                        appointment_status=AppointmentStatus.CONFIRMED,
                        title="Test",
                        start_time=datetime(2021, 7, 16, 11, 0, tzinfo=timezone.utc),
                        end_time=datetime(2021, 7, 16, 11, 30, tzinfo=timezone.utc),
                    )
                ]
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        id="tags.add",
        call=("tags", "add"),
        args=("c1", ["vip", "new lead"]),
        method="POST",
        path="/contacts/c1/tags",
        body={"tags": ["vip", "new lead"]},
        status=201,
        response={"tags": ["old", "vip", "new lead"]},
        check=_tags(["old", "vip", "new lead"]),
    ),
    Case(
        id="tags.remove",
        call=("tags", "remove"),
        args=("c1", ("vip",)),
        method="DELETE",
        path="/contacts/c1/tags",
        body={"tags": ["vip"]},
        response={"tags": ["old"]},
        check=_tags(["old"]),
    ),
    Case(
        id="followers.add",
        call=("followers", "add"),
        args=("c1", ["u1", "u2"]),
        method="POST",
        path="/contacts/c1/followers",
        body={"followers": ["u1", "u2"]},
        status=201,
        response={"followers": ["u0", "u1", "u2"], "followersAdded": ["u1", "u2"]},
        check=lambda r: (
            (r == FollowersUpdate(followers=["u0", "u1", "u2"], followers_added=["u1", "u2"]))
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        id="followers.remove",
        call=("followers", "remove"),
        args=("c1", ["u1"]),
        method="DELETE",
        path="/contacts/c1/followers",
        body={"followers": ["u1"]},
        response={"followers": ["u0"], "followersRemoved": ["u1"]},
        check=lambda r: (
            (r == FollowersUpdate(followers=["u0"], followers_removed=["u1"]))
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        id="campaigns.add",
        call=("campaigns", "add"),
        args=("c1", "camp1"),
        method="POST",
        path="/contacts/c1/campaigns/camp1",
        body={},
        status=201,
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="campaigns.remove",
        call=("campaigns", "remove"),
        args=("c1", "camp1"),
        method="DELETE",
        path="/contacts/c1/campaigns/camp1",
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="campaigns.remove_all",
        call=("campaigns", "remove_all"),
        args=("c1",),
        method="DELETE",
        path="/contacts/c1/campaigns/removeAll",
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="workflows.add",
        call=("workflows", "add"),
        args=("c1", "wf1"),
        kwargs={
            "event_start_time": datetime(2021, 6, 23, 3, 30, tzinfo=timezone(timedelta(hours=1)))
        },
        method="POST",
        path="/contacts/c1/workflow/wf1",
        body={"eventStartTime": "2021-06-23T03:30:00+01:00"},
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="workflows.add.no_start",
        call=("workflows", "add"),
        args=("c1", "wf1"),
        method="POST",
        path="/contacts/c1/workflow/wf1",
        body={},
        response={"succeded": True},
        check=_is_none,
    ),
    Case(
        id="workflows.remove",
        call=("workflows", "remove"),
        args=("c1", "wf1"),
        method="DELETE",
        path="/contacts/c1/workflow/wf1",
        body={},
        response={"succeded": True},
        check=_is_none,
    ),
]

#: Methods that return a pager (or a list built from pages) are covered in
#: test_resources_pagination.py; every other public method must have a case here.
PAGED = {("contacts", "list"), ("contacts", "search"), ("contacts", "list_by_business")}


def _assert_request(case: Case, request: httpx.Request) -> None:
    assert request.method == case.method
    assert request.url.path == case.path
    assert dict(request.url.params) == case.query
    assert request.headers["Version"] == "2021-07-28"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    if case.body is NO_BODY:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json_of(request) == case.body


def _route(mock: respx.MockRouter, case: Case) -> respx.Route:
    return mock.route(method=case.method, url=BASE + case.path).mock(
        return_value=httpx.Response(case.status, json=case.response)
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_sync(case: Case, ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = _route(mock, case)
        resource, name = case.call
        result = getattr(getattr(ghl, resource), name)(*case.args, **case.kwargs)
    assert route.call_count == 1
    _assert_request(case, route.calls.last.request)
    case.check(result)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_async(case: Case, aghl: AsyncGHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = _route(mock, case)
        resource, name = case.call
        result = await getattr(getattr(aghl, resource), name)(*case.args, **case.kwargs)
    assert route.call_count == 1
    _assert_request(case, route.calls.last.request)
    case.check(result)


def test_every_method_has_a_case(ghl: GHLClient) -> None:
    from tests.ghlsdk.test_endpoints import COVERED as covered_there

    covered = {c.call for c in CASES} | PAGED | covered_there
    resources = ["contacts", "tasks", "notes", "appointments", "tags", "followers"]
    resources += ["campaigns", "workflows"]
    public = {
        (r, name)
        for r in resources
        for name, member in inspect.getmembers(type(getattr(ghl, r)), inspect.isfunction)
        if not name.startswith("_")
    }
    assert public - covered == set()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_raw_response(case: Case, ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = _route(mock, case)
        route.return_value = httpx.Response(
            case.status, json=case.response, headers={"X-Trace": "abc"}
        )
        resource, name = case.call
        raw = getattr(getattr(ghl.with_raw_response, resource), name)(*case.args, **case.kwargs)
    assert raw.status_code == case.status
    assert raw.headers["X-Trace"] == "abc"
    assert raw.json() == case.response
    case.check(raw.parse())


async def test_async_raw_response(aghl: AsyncGHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.get(BASE + "/contacts/c1").mock(
            return_value=httpx.Response(200, json={"contact": CONTACT_JSON})
        )
        raw = await aghl.with_raw_response.contacts.get("c1")
    assert raw.status_code == 200
    _is_contact(raw.parse())
