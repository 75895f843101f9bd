"""Issue 10 endpoints against FakeGHL, sync and async: location task search, calendars and
appointments, custom fields and the key registry, contact search past 10,000 results with
typed filters, bulk tags and bulk business links."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from ghlsdk import (
    AsyncGHLClient,
    BulkTagsResult,
    CalendarEvent,
    Filter,
    GHLClient,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    Sort,
    Task,
    UnknownCustomFieldError,
)
from ghlsdk.testing import FakeClock, FakeGHL

#: (resource, method) pairs this file covers (test_resources.py counts them as covered).
COVERED = {
    ("tasks", "search"),
    ("appointments", "get"),
    ("appointments", "create"),
    ("appointments", "update"),
    ("appointments", "delete"),
    ("calendars", "list"),
    ("calendars", "events"),
    ("custom_fields", "list"),
    ("custom_fields", "get"),
    ("custom_fields", "create"),
    ("custom_fields", "update"),
    ("custom_fields", "delete"),
    ("custom_fields", "registry"),
    ("tags", "bulk_add"),
    ("tags", "bulk_remove"),
    ("businesses", "add_contacts"),
    ("businesses", "remove_contacts"),
}

T0 = datetime(2030, 1, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def fake() -> FakeGHL:
    return FakeGHL(clock=FakeClock(start=T0.timestamp()))


@pytest.fixture
def ghl(fake: FakeGHL) -> Iterator[GHLClient]:
    client = GHLClient(
        token=fake.token,
        location_id=fake.location_id,
        http_client=httpx.Client(transport=fake),
        max_retries=0,
    )
    yield client
    client.close()


def _aghl(fake: FakeGHL) -> AsyncGHLClient:
    return AsyncGHLClient(
        token=fake.token,
        location_id=fake.location_id,
        http_client=httpx.AsyncClient(transport=fake),
        max_retries=0,
    )


# ---------------------------------------------------------------- task search


def test_task_search_walks_every_page_and_filters(fake: FakeGHL, ghl: GHLClient) -> None:
    a, b = fake.add_contact(firstName="A"), fake.add_contact(firstName="B")
    for i in range(7):
        fake.add_task(a["id"], title=f"Call {i}", completed=i % 2 == 0, assignedTo="u1")
    fake.add_task(b["id"], title="Email", assignedTo="u2")
    tasks = list(ghl.tasks.search(page_size=3))
    assert len(tasks) == 8
    assert all(isinstance(t, Task) for t in tasks)
    assert fake.count("task-search") == 3
    body = fake.requests[-1].json
    assert body == {"limit": 3, "skip": 6}
    assert len(list(ghl.tasks.search(contact_ids=[a["id"]], completed=True))) == 4
    assert [t.title for t in ghl.tasks.search(assigned_to=["u2"])] == ["Email"]
    assert len(list(ghl.tasks.search(query="call"))) == 7
    assert fake.requests[-1].path == f"/locations/{fake.location_id}/tasks/search"
    assert fake.requests[-1].headers["version"] == "2021-07-28"


async def test_task_search_async(fake: FakeGHL) -> None:
    c = fake.add_contact(firstName="A")
    for i in range(5):
        fake.add_task(c["id"], title=f"T{i}")
    async with _aghl(fake) as aghl:
        titles = [t.title async for t in aghl.tasks.search(page_size=2)]
    assert sorted(titles) == [f"T{i}" for i in range(5)]


def test_task_search_tolerates_nested_items_and_underscore_ids() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"tasks": [[{"_id": "t1", "title": "x"}], {"id": "t2"}]})

    ghl = GHLClient(
        token="tok-1",
        location_id="loc",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    assert [t.id for t in ghl.tasks.search()] == ["t1", "t2"]


def test_task_search_refuses_bad_input_before_sending(ghl: GHLClient, fake: FakeGHL) -> None:
    with pytest.raises(ValueError, match="page_size"):
        ghl.tasks.search(page_size=0)
    with pytest.raises(TypeError):
        ghl.tasks.search(contact_ids="abc")
    assert fake.requests == []


# ---------------------------------------------------------------- calendars, appointments


def test_appointments_round_trip_through_the_calendars_api(fake: FakeGHL, ghl: GHLClient) -> None:
    contact = fake.add_contact(firstName="Ada")
    calendars = ghl.calendars.list()
    assert [c.id for c in calendars] == ["fakeCalendar00000001"]
    made = ghl.appointments.create(
        calendar_id=calendars[0].id or "",
        contact_id=contact["id"],
        start_time=T0 + timedelta(hours=1),
        title="Demo",
        appointment_status="confirmed",
    )
    assert isinstance(made, CalendarEvent)
    assert made.id
    assert made.start_time == T0 + timedelta(hours=1)
    assert made.end_time == T0 + timedelta(hours=1, minutes=30)
    assert fake.requests[-1].headers["version"] == "2021-04-15"
    got = ghl.appointments.get(made.id)
    assert got.title == "Demo"
    assert got.contact_id == contact["id"]
    window = ghl.calendars.events(T0, T0 + timedelta(days=1), calendar_id=calendars[0].id)
    assert [e.id for e in window] == [made.id]
    query = fake.requests[-1].query
    assert query["startTime"] == str(int(T0.timestamp() * 1000))
    assert ghl.calendars.events(date(2030, 1, 3), date(2030, 1, 4), calendar_id="x") == []
    moved = ghl.appointments.update(made.id, start_time="2030-01-02T12:00:00+02:00")
    assert moved.start_time == datetime(2030, 1, 2, 10, 0, tzinfo=timezone.utc)
    assert [a.id for a in ghl.appointments.list(contact["id"])] == [made.id]
    ghl.appointments.delete(made.id)
    assert fake.requests[-1].json == {}
    with pytest.raises(NotFoundError):
        ghl.appointments.get(made.id)
    kinds = [e["type"] for e in fake.events if e["type"].startswith("Appointment")]
    assert kinds == ["AppointmentCreate", "AppointmentUpdate", "AppointmentDelete"]


def test_seeded_appointments_show_in_the_window_in_iso_form(fake: FakeGHL, ghl: GHLClient) -> None:
    c = fake.add_contact(firstName="A")
    fake.add_appointment(c["id"], startTime="2030-01-02 10:00:00", endTime="2030-01-02 10:30:00")
    [event] = ghl.calendars.events(T0, T0 + timedelta(hours=3), user_id="nobody") or [None]
    assert event is None  # not that user's
    [event] = ghl.calendars.events(T0, T0 + timedelta(hours=3), calendar_id="fakeCalendar00000001")
    assert event.start_time == datetime(2030, 1, 2, 10, 0, tzinfo=timezone.utc)


async def test_appointments_async(fake: FakeGHL) -> None:
    c = fake.add_contact(firstName="A")
    async with _aghl(fake) as aghl:
        made = await aghl.appointments.create(
            calendar_id="fakeCalendar00000001", contact_id=c["id"], start_time=T0
        )
        assert made.id
        events = await aghl.calendars.events(
            T0, T0 + timedelta(hours=1), calendar_id="fakeCalendar00000001"
        )
        assert [e.id for e in events] == [made.id]
        assert [c.name for c in await aghl.calendars.list()] == ["Default calendar"]
        await aghl.appointments.delete(made.id)


def test_calendar_inputs_are_checked_before_sending(ghl: GHLClient, fake: FakeGHL) -> None:
    with pytest.raises(ValueError, match="calendar_id"):
        ghl.calendars.events(T0, T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        ghl.calendars.events(datetime(2030, 1, 1), T0, calendar_id="c")
    with pytest.raises(ValueError, match="before"):
        ghl.calendars.events(T0, T0 - timedelta(1), calendar_id="c")
    with pytest.raises(ValueError, match="no field"):
        ghl.appointments.update("e1")
    assert fake.requests == []


def test_fake_refuses_what_the_api_refuses(fake: FakeGHL) -> None:
    c = fake.add_contact(firstName="A")
    http = httpx.Client(
        transport=fake,
        base_url="https://services.leadconnectorhq.com",
        headers={"Authorization": f"Bearer {fake.token}", "Version": "2021-04-15"},
    )
    body = {"calendarId": "fakeCalendar00000001", "locationId": fake.location_id}
    r = http.post("/calendars/events/appointments", json={**body, "contactId": c["id"]})
    assert r.status_code == 400  # startTime missing
    r = http.post(
        "/calendars/events/appointments",
        json={**body, "contactId": c["id"], "startTime": "2030-01-01T00:00:00Z", "color": "x"},
    )
    assert r.status_code == 422
    assert r.json()["message"] == ["property color should not exist"]
    r = http.get(
        "/calendars/events",
        params={"locationId": fake.location_id, "startTime": "1", "endTime": "2"},
    )
    assert r.status_code == 400
    r = http.get(
        "/calendars/", params={"locationId": fake.location_id}, headers={"Version": "2021-07-28"}
    )
    assert r.status_code == 401
    assert r.json()["message"] == "version header is invalid"


# ---------------------------------------------------------------- custom fields


def test_custom_field_crud(fake: FakeGHL, ghl: GHLClient) -> None:
    made = ghl.custom_fields.create(name="Company size", data_type="NUMERICAL")
    assert made.field_key == "contact.company_size"
    assert made.id
    assert ghl.custom_fields.get(made.id).name == "Company size"
    assert ghl.custom_fields.get("contact.company_size").id == made.id
    renamed = ghl.custom_fields.update(made.id, name="Head count", placeholder="people")
    assert renamed.name == "Head count"
    assert renamed.field_key == "contact.company_size"
    assert [f.id for f in ghl.custom_fields.list(model="contact")] == [made.id]
    ghl.custom_fields.delete(made.id)
    assert ghl.custom_fields.list() == []
    with pytest.raises(ValueError, match="model"):
        ghl.custom_fields.list(model="deal")


def test_contacts_accept_custom_fields_by_key(fake: FakeGHL, ghl: GHLClient) -> None:
    size = fake.add_custom_field("Company size", data_type="NUMERICAL")
    created = ghl.contacts.create(first_name="Ada", custom_fields={"contact.company_size": 42})
    assert fake.requests[-1].json["customFields"] == [{"id": size["id"], "field_value": 42}]
    assert created.custom_field(size["id"]) == 42
    assert fake.count("get-custom-fields") == 1
    ghl.contacts.update(created.id or "", custom_fields={"company_size": 43})  # prefix optional
    assert fake.count("get-custom-fields") == 1  # cached
    result = ghl.contacts.upsert(first_name="Ada", email="a@x.io", custom_fields={size["id"]: 7})
    assert result.new
    registry = ghl.custom_fields.registry()
    assert registry.values_by_key(ghl.contacts.get(created.id or "")) == {
        "contact.company_size": 43
    }


def test_unknown_key_fails_before_the_write_after_one_reload(fake: FakeGHL, ghl: GHLClient) -> None:
    fake.add_custom_field("Rank")
    ghl.custom_fields.registry().id_for("contact.rank")  # loaded
    with pytest.raises(UnknownCustomFieldError, match=r"contact\.nope") as caught:
        ghl.contacts.create(first_name="X", custom_fields={"contact.nope": 1})
    assert caught.value.known == ["contact.rank"]
    assert fake.count("create-contact") == 0
    assert fake.count("get-custom-fields") == 2  # first use, then one reload for the unknown
    # A field created since the registry loaded is found by that one reload.
    late = fake.add_custom_field("Late")
    ghl.contacts.create(first_name="Y", custom_fields={"contact.late": "x"})
    assert fake.requests[-1].json["customFields"] == [{"id": late["id"], "field_value": "x"}]


async def test_custom_fields_by_key_async(fake: FakeGHL) -> None:
    size = fake.add_custom_field("Size")
    async with _aghl(fake) as aghl:
        made = await aghl.contacts.create(first_name="A", custom_fields={"contact.size": "L"})
        assert made.custom_field(size["id"]) == "L"
        with pytest.raises(UnknownCustomFieldError):
            await aghl.contacts.update(made.id or "", custom_fields={"contact.nope": 1})
        registry = aghl.custom_fields.registry()
        assert await registry.key_for(size["id"]) == "contact.size"
        assert [f.field_key for f in await aghl.custom_fields.list()] == ["contact.size"]


# ---------------------------------------------------------------- contact search


def test_search_reads_past_10000_with_search_after(fake: FakeGHL, ghl: GHLClient) -> None:
    for i in range(10_250):
        fake.add_contact(
            firstName=f"C{i}", dateAdded=f"2024-01-01T00:00:{i % 60:02d}.{i % 1000:03d}Z"
        )
    seen = [c.id for c in ghl.contacts.search(page_limit=500)]
    assert len(seen) == len(set(seen)) == 10_250
    bodies = [r.json for r in fake.requests if r.operation == "search-contacts-advanced"]
    assert len(bodies) == 21
    assert [b.get("page") for b in bodies[:20]] == list(range(1, 21))
    assert "page" not in bodies[20]
    assert bodies[20]["searchAfter"]


def test_typed_filters_build_the_api_dicts(fake: FakeGHL, ghl: GHLClient) -> None:
    fake.add_contact(firstName="Old", tags=["vip"], dateAdded="2020-01-01T00:00:00.000Z")
    new = fake.add_contact(firstName="New", tags=["vip"], email="n@x.io")
    fake.add_contact(firstName="Other", dateAdded="2031-01-01T00:00:00.000Z")
    since = datetime(2025, 1, 1, tzinfo=timezone.utc)
    found = ghl.contacts.search(
        filters=[Filter.range("dateAdded", gte=since), Filter.eq("tags", "vip")],
        sort=[Sort.desc("dateAdded")],
    )
    assert [c.id for c in found] == [new["id"]]
    sent = fake.requests[-1].json["filters"]
    assert sent[0] == {
        "field": "dateAdded",
        "operator": "range",
        "value": {"gte": "2025-01-01T00:00:00Z"},
    }
    mixed = [
        Filter.any_of(
            Filter.eq("email", "n@x.io"), {"field": "firstName", "operator": "eq", "value": "Old"}
        )
    ]
    assert len(list(ghl.contacts.search(filters=mixed))) == 2
    assert Filter.exists("email") == {"field": "email", "operator": "exists"}
    with pytest.raises(ValueError, match="at least one"):
        Filter.range("dateAdded")
    with pytest.raises(ValueError, match="timezone-aware"):
        Filter.range("dateAdded", lt=datetime(2020, 1, 1))


# ---------------------------------------------------------------- bulk


def test_bulk_tags_and_business(fake: FakeGHL, ghl: GHLClient) -> None:
    a, b = fake.add_contact(firstName="A", tags=["x"]), fake.add_contact(firstName="B")
    result = ghl.tags.bulk_add([a["id"], b["id"], "missing"], ["vip", "x"])
    assert isinstance(result, BulkTagsResult)
    assert result.error_count == 1
    assert [r.contact_id for r in result.failed] == ["missing"]
    assert fake.contacts[a["id"]]["tags"] == ["x", "vip"]
    assert fake.requests[-1].path == "/contacts/bulk/tags/update/add"
    ghl.tags.bulk_remove([a["id"]], ["x"])
    assert fake.contacts[a["id"]]["tags"] == ["vip"]
    ghl.tags.bulk_remove([a["id"], b["id"]], [], remove_all_tags=True)
    assert fake.requests[-1].json["removeAllTags"] is True
    assert fake.contacts[b["id"]]["tags"] == []
    linked = ghl.businesses.add_contacts("biz1", [a["id"], b["id"]])
    assert sorted(linked.ids) == sorted([a["id"], b["id"]])
    assert [c.id for c in ghl.contacts.list_by_business("biz1")] == [a["id"], b["id"]]
    ghl.businesses.remove_contacts([a["id"]])
    assert fake.requests[-1].json["businessId"] is None
    assert [c.id for c in ghl.contacts.list_by_business("biz1")] == [b["id"]]
    with pytest.raises(ValueError, match="tags must not be empty"):
        ghl.tags.bulk_add([a["id"]], [], location_id="x")


async def test_bulk_async(fake: FakeGHL) -> None:
    a = fake.add_contact(firstName="A")
    async with _aghl(fake) as aghl:
        assert (await aghl.tags.bulk_add([a["id"]], ["t"])).error_count == 0
        assert (await aghl.tags.bulk_remove([a["id"]], ["t"])).failed == []
        assert (await aghl.businesses.add_contacts("b", [a["id"]])).ids == [a["id"]]
        assert (await aghl.businesses.remove_contacts([a["id"]])).success


# ---------------------------------------------------------------- the fake's indexes


def test_pages_and_children_are_served_from_indexes(fake: FakeGHL, ghl: GHLClient) -> None:
    ids = [
        fake.add_contact(firstName=f"C{i}", dateAdded=f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z")[
            "id"
        ]
        for i in range(300)
    ]
    fake.add_task(ids[5], title="t")
    fake.remove_contact(ids[0])
    fake.edit_contact(ids[1], dateAdded="2100-01-01T00:00:00.000Z")  # moves to the end
    listed = [c.id for c in ghl.contacts.list(limit=100)]
    assert listed == [*ids[2:], ids[1]]
    assert [t.title for t in ghl.tasks.list(ids[5])] == ["t"]
    assert fake.tasks
    assert all(t["contactId"] == ids[5] for t in fake.tasks.values())


def test_every_new_operation_is_counted_and_fault_injectable(fake: FakeGHL, ghl: GHLClient) -> None:
    fake.fail_next(503, operation="get-calendars")
    with pytest.raises(InternalServerError) as caught:
        ghl.calendars.list()
    assert caught.value.status_code == 503
    assert ghl.calendars.list()
    fake.fail_next(429, operation="task-search")
    with pytest.raises(RateLimitError):
        list(ghl.tasks.search())
    assert fake.count("get-calendars") == 2
    assert fake.count("task-search") == 1
