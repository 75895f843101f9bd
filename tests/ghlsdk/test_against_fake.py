"""The client against ``ghlsdk.testing.FakeGHL`` (a stateful in-memory GHL): every resource,
sync and async, plus rate limiting, duplicates and injected faults."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from ghlsdk import (
    DEFAULT_WINDOWS,
    AsyncGHLClient,
    AuthenticationError,
    CustomFieldInput,
    DuplicateContactError,
    GHLClient,
    InternalServerError,
    NotFoundError,
    RateLimiter,
    RequestOptions,
)
from ghlsdk.testing import FakeClock, FakeGHL

DUE = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def sync_client(fake: FakeGHL, clock: FakeClock | None = None, **kwargs: object) -> GHLClient:
    extra: dict[str, object] = {}
    if clock is not None:
        extra = {"rate_limiter": RateLimiter(DEFAULT_WINDOWS, clock=clock), "sleep": clock.sleep}
    return GHLClient(
        token=fake.token,
        location_id=fake.location_id,
        http_client=httpx.Client(transport=fake),
        **extra,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def test_contact_lifecycle_sync() -> None:
    fake = FakeGHL()
    ghl = sync_client(fake)
    created = ghl.contacts.create(
        first_name="Rosan",
        last_name="Deo",
        email="rosan@deos.com",
        tags=["lead"],
        custom_fields=[CustomFieldInput(key="contact.size", field_value="L")],
    )
    assert created.id in fake.contacts
    got = ghl.contacts.get(created.id)
    assert (got.first_name, got.email, got.tags) == ("Rosan", "rosan@deos.com", ["lead"])
    assert got.custom_field(fake.custom_field_id("contact.size")) == "L"

    updated = ghl.contacts.update(created.id, phone="+15550100", last_name=None)
    assert updated.phone == "+15550100"
    assert not fake.contacts[created.id].get("lastName")
    # read a record and write its custom fields back unchanged: nothing is lost
    again = ghl.contacts.update(created.id, custom_fields=got.custom_fields)
    assert again.custom_fields == got.custom_fields

    upserted = ghl.contacts.upsert(email="rosan@deos.com", city="Dolomite")
    assert upserted.new is False
    assert upserted.contact.id == created.id
    assert ghl.contacts.upsert(email="new@deos.com").new is True

    assert sorted(c.id for c in ghl.contacts.list(limit=1)) == sorted(fake.contacts)
    found = ghl.contacts.search("rosan").to_list()
    assert [c.id for c in found] == [created.id]

    assert "vip" in ghl.tags.add(created.id, ["vip"])
    assert "vip" not in ghl.tags.remove(created.id, ["vip"])

    ghl.contacts.delete(created.id)
    with pytest.raises(NotFoundError):
        ghl.contacts.get(created.id)


def test_tasks_notes_appointments_and_links_sync() -> None:
    fake = FakeGHL()
    ghl = sync_client(fake)
    contact_id = fake.add_contact(firstName="A", email="a@x.io")["id"]

    task = ghl.tasks.create(contact_id, title="Call", due_date=DUE, body="b")
    assert task.due_date == DUE
    assert [t.id for t in ghl.tasks.list(contact_id)] == [task.id]
    assert ghl.tasks.update(contact_id, task.id, title="Call back").title == "Call back"
    assert ghl.tasks.complete(contact_id, task.id).completed is True
    assert ghl.tasks.get(contact_id, task.id).completed is True
    ghl.tasks.delete(contact_id, task.id)
    assert ghl.tasks.list(contact_id) == []

    note = ghl.notes.create(contact_id, body="hello", pinned=True)
    assert ghl.notes.get(contact_id, note.id).body == "hello"
    assert ghl.notes.update(contact_id, note.id, body="bye").body == "bye"
    assert [n.id for n in ghl.notes.list(contact_id)] == [note.id]
    ghl.notes.delete(contact_id, note.id)
    assert ghl.notes.list(contact_id) == []

    event = fake.add_appointment(contact_id, startTime="2030-01-02 10:00:00")
    (appointment,) = ghl.appointments.list(contact_id)
    assert appointment.id == event["id"]
    assert appointment.start_time == datetime(2030, 1, 2, 10, tzinfo=timezone.utc)

    added = ghl.followers.add(contact_id, ["user1", "user2"])
    assert set(added.followers) >= {"user1", "user2"}
    assert "user1" not in ghl.followers.remove(contact_id, ["user1"]).followers

    ghl.campaigns.add(contact_id, "camp1")
    assert fake.campaigns[contact_id] == ["camp1"]
    ghl.campaigns.remove(contact_id, "camp1")
    ghl.campaigns.add(contact_id, "camp2")
    ghl.campaigns.remove_all(contact_id)
    assert not fake.campaigns.get(contact_id)

    ghl.workflows.add(contact_id, "wf1", event_start_time=DUE)
    assert "wf1" in fake.workflows[contact_id]
    ghl.workflows.remove(contact_id, "wf1")
    assert "wf1" not in fake.workflows.get(contact_id, {})


async def test_everything_async() -> None:
    fake = FakeGHL()
    async with AsyncGHLClient(
        token=fake.token,
        location_id=fake.location_id,
        http_client=httpx.AsyncClient(transport=fake),
    ) as ghl:
        contact = await ghl.contacts.create(email="x@y.io", first_name="X")
        assert (await ghl.contacts.get(contact.id)).first_name == "X"
        assert [c.id async for c in ghl.contacts.list()] == [contact.id]
        assert [c.id for c in await ghl.contacts.search("x@y.io").to_list()] == [contact.id]
        task = await ghl.tasks.create(contact.id, title="t", due_date=DUE)
        assert (await ghl.tasks.complete(contact.id, task.id)).completed is True
        note = await ghl.notes.create(contact.id, body="n")
        assert [n.id for n in await ghl.notes.list(contact.id)] == [note.id]
        assert await ghl.appointments.list(contact.id) == []
        assert await ghl.tags.add(contact.id, ["a"]) == ["a"]
        await ghl.campaigns.add(contact.id, "c")
        await ghl.workflows.add(contact.id, "w")
        raw = await ghl.with_raw_response.contacts.get(contact.id)
        assert raw.status_code == 200
        assert raw.parse().id == contact.id
        await ghl.contacts.delete(contact.id)
        with pytest.raises(NotFoundError):
            await ghl.contacts.get(contact.id)


def test_bulk_loop_never_surfaces_429() -> None:
    clock = FakeClock()
    fake = FakeGHL(clock=clock, rate_limit=True)
    ghl = sync_client(fake, clock, max_retries=0)  # no retries: a 429 would surface
    contact_id = fake.add_contact(email="bulk@x.io")["id"]
    for i in range(500):
        ghl.tags.add(contact_id, [f"t{i % 7}"])
    assert fake.count("add-tags") == 500
    assert all(r.status != 429 for r in fake.requests)
    assert clock.slept >= 40.0  # 500 calls at 100 per 10 s needs at least four waits


async def test_bulk_loop_async_with_another_client_sharing_the_budget() -> None:
    clock = FakeClock()
    fake = FakeGHL(clock=clock, rate_limit=True)
    other = sync_client(fake, clock)
    for _ in range(60):  # another process spends most of the window
        other.contacts.list(limit=1).first_page()
    async with AsyncGHLClient(
        token=fake.token,
        location_id=fake.location_id,
        http_client=httpx.AsyncClient(transport=fake),
        rate_limiter=RateLimiter(DEFAULT_WINDOWS, clock=clock),
        sleep=clock.asleep,
        max_retries=2,
    ) as ghl:
        contact_id = fake.add_contact(email="a@x.io")["id"]
        for _ in range(150):
            await ghl.contacts.get(contact_id)
        assert ghl.rate_limit is not None
        assert ghl.rate_limit.burst_limit == 100
    assert not any(r.status == 429 for r in fake.requests if r.operation == "get-contact")


def test_duplicate_contact_error() -> None:
    fake = FakeGHL()
    ghl = sync_client(fake)
    first = ghl.contacts.create(email="dup@x.io")
    with pytest.raises(DuplicateContactError) as info:
        ghl.contacts.create(email="dup@x.io")
    assert info.value.contact_id == first.id
    assert info.value.matching_field == "email"


def test_faults_retry_reads_but_not_creates() -> None:
    clock = FakeClock()
    fake = FakeGHL(clock=clock)
    ghl = sync_client(fake, clock, max_retries=2)
    contact_id = fake.add_contact(email="f@x.io")["id"]
    fake.fail_next(503, operation="get-contact")
    assert ghl.contacts.get(contact_id).id == contact_id
    assert fake.count("get-contact") == 2
    fake.fail_next(500, operation="create-contact", after_write=True)
    with pytest.raises(InternalServerError):
        ghl.contacts.create(email="g@x.io")
    assert fake.count("create-contact") == 1  # not resent: the contact was in fact created
    assert any(c.get("email") == "g@x.io" for c in fake.contacts.values())
    fake.fail_next(exception=httpx.ConnectError("refused"), operation="create-contact")
    assert ghl.contacts.create(email="h@x.io").email == "h@x.io"  # never reached: resent


def test_wrong_version_header_is_401() -> None:
    ghl = sync_client(FakeGHL())
    bad = RequestOptions(extra_headers={"Version": "1999-01-01"})
    with pytest.raises(AuthenticationError, match="version"):
        ghl.contacts.get("x", options=bad)
