"""The ghlsdk client against FakeGHL: every resource end to end, sync and async, errors,
write-then-fail, and bulk loops against an enforced rate limit.

The rate-limit loops run on the real monotonic clock with a short window (100 per 0.25 s) that
the fake and the client share, so they finish in about a second; they assert outcomes, never
durations.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone

import httpx
import pytest

import ghlsdk
from ghlsdk import AsyncGHLClient, GHLClient, RetryPolicy, Window, auth, webhooks
from ghlsdk.testing import FakeClock, FakeGHL

NO_WAIT = RetryPolicy(base_delay=0.0, max_delay=0.0)


@pytest.fixture
def frequent_switches() -> Iterator[None]:
    # Switch threads every microsecond so races show up.
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


@pytest.fixture
def fake() -> FakeGHL:
    return FakeGHL(clock=FakeClock())


@pytest.fixture
def ghl(fake: FakeGHL) -> Iterator[GHLClient]:
    http = httpx.Client(transport=fake)
    with GHLClient(
        token=fake.token, location_id=fake.location_id, http_client=http, retry=NO_WAIT
    ) as client:
        yield client
    http.close()


@pytest.fixture
async def aghl(fake: FakeGHL) -> AsyncIterator[AsyncGHLClient]:
    http = httpx.AsyncClient(transport=fake)
    async with AsyncGHLClient(
        token=fake.token, location_id=fake.location_id, http_client=http, retry=NO_WAIT
    ) as client:
        yield client
    await http.aclose()


def test_contacts_end_to_end(ghl: GHLClient, fake: FakeGHL) -> None:
    created = ghl.contacts.create(first_name="Ada", email="ada@example.com", tags=["vip"])
    assert fake.contacts[created.id]["firstName"] == "Ada"
    assert fake.requests[-1].json == {
        "locationId": fake.location_id,
        "firstName": "Ada",
        "email": "ada@example.com",
        "tags": ["vip"],
    }
    assert ghl.contacts.get(created.id).email == "ada@example.com"
    updated = ghl.contacts.update(created.id, last_name="Lovelace", phone=None)
    assert updated.name == "Ada Lovelace"
    assert fake.requests[-1].json == {"lastName": "Lovelace", "phone": None}

    with pytest.raises(ghlsdk.DuplicateContactError) as dup:
        ghl.contacts.create(email="ADA@example.com")
    assert dup.value.contact_id == created.id
    assert dup.value.matching_field == "email"

    result = ghl.contacts.upsert(email="ada@example.com", city="London")
    assert result.new is False
    assert result.contact.id == created.id
    assert ghl.contacts.upsert(email="new@example.com").new is True
    found = ghl.contacts.find_duplicate(email="ada@example.com")
    assert found is not None
    assert found.id == created.id

    ghl.contacts.delete(created.id)
    assert created.id not in fake.contacts
    with pytest.raises(ghlsdk.NotFoundError):
        ghl.contacts.get(created.id)


def test_list_and_search_paginate_through_the_fake(ghl: GHLClient, fake: FakeGHL) -> None:
    clock = fake.clock
    assert isinstance(clock, FakeClock)
    ids = []
    for i in range(23):
        clock.advance(1)
        ids.append(fake.add_contact(firstName=f"P{i}", businessId="biz")["id"])
    listed = [c.id for c in ghl.contacts.list(limit=5)]
    assert listed == ids
    assert fake.count("get-contacts") == 5
    assert [c.id for c in ghl.contacts.list_by_business("biz", page_size=10)] == ids
    searched = [c.id for c in ghl.contacts.search(page_limit=4)]
    assert searched == ids
    recent = ghl.contacts.search(
        filters=[{"field": "firstName", "operator": "eq", "value": "P22"}], page_limit=10
    )
    assert [c.id for c in recent] == [ids[-1]]


def test_subresources_end_to_end(ghl: GHLClient, fake: FakeGHL) -> None:
    cid = fake.add_contact(firstName="Owner")["id"]
    due = datetime(2024, 2, 1, 10, 0, tzinfo=timezone.utc)
    task = ghl.tasks.create(cid, title="Call", due_date=due, body="re invoice")
    assert task.id is not None
    assert ghl.tasks.get(cid, task.id).title == "Call"
    assert ghl.tasks.update(cid, task.id, title="Call back").title == "Call back"
    assert ghl.tasks.complete(cid, task.id).completed is True
    assert [t.id for t in ghl.tasks.list(cid)] == [task.id]
    ghl.tasks.delete(cid, task.id)
    assert fake.tasks == {}

    note = ghl.notes.create(cid, body="hello")
    assert note.id is not None
    assert ghl.notes.get(cid, note.id).body == "hello"
    assert ghl.notes.update(cid, note.id, body="bye").body == "bye"
    assert [n.id for n in ghl.notes.list(cid)] == [note.id]
    ghl.notes.delete(cid, note.id)
    assert fake.notes == {}

    event = fake.add_appointment(cid, title="Demo")
    assert [a.id for a in ghl.appointments.list(cid)] == [event["id"]]

    assert set(ghl.tags.add(cid, ["a", "b"])) == {"a", "b"}
    ghl.tags.remove(cid, ["a"])
    assert fake.contacts[cid]["tags"] == ["b"]
    assert ghl.followers.add(cid, ["u1", "u2"]).followers == ["u1", "u2"]
    assert ghl.followers.remove(cid, ["u1"]).followers_removed == ["u1"]
    ghl.campaigns.add(cid, "camp1")
    ghl.campaigns.add(cid, "camp2")
    ghl.campaigns.remove(cid, "camp1")
    assert fake.campaigns == {cid: ["camp2"]}
    ghl.campaigns.remove_all(cid)
    assert fake.campaigns == {}
    ghl.workflows.add(cid, "wf1", event_start_time="2024-03-01T10:00:00+05:30")
    assert fake.workflows == {cid: {"wf1": "2024-03-01T10:00:00+05:30"}}
    ghl.workflows.remove(cid, "wf1")
    assert fake.workflows == {}
    # Every request the client sent passed the fake's auth, Version and body checks.
    assert {r.status for r in fake.requests} <= {200, 201}


async def test_async_client_end_to_end(aghl: AsyncGHLClient, fake: FakeGHL) -> None:
    created = await aghl.contacts.create(first_name="Async", email="a@example.com")
    assert (await aghl.contacts.get(created.id)).first_name == "Async"
    for i in range(7):
        fake.add_contact(firstName=f"X{i}")
    assert len([c async for c in aghl.contacts.list(limit=3)]) == 8
    assert len([c async for c in aghl.contacts.search(page_limit=3)]) == 8
    task = await aghl.tasks.create(created.id, title="T", due_date="2024-02-01T00:00:00Z")
    assert task.id is not None
    assert (await aghl.tasks.complete(created.id, task.id)).completed is True
    note = await aghl.notes.create(created.id, body="n")
    assert [n.id for n in await aghl.notes.list(created.id)] == [note.id]
    fake.add_appointment(created.id)
    assert len(await aghl.appointments.list(created.id)) == 1
    await aghl.tags.add(created.id, ["t"])
    await aghl.followers.add(created.id, ["u"])
    await aghl.campaigns.add(created.id, "c")
    await aghl.workflows.add(created.id, "w")
    contact = fake.contacts[created.id]
    assert contact["tags"] == ["t"]
    assert contact["followers"] == ["u"]
    assert fake.campaigns == {created.id: ["c"]}
    await aghl.contacts.delete(created.id)
    with pytest.raises(ghlsdk.NotFoundError):
        await aghl.contacts.get(created.id)


# ---------------------------------------------------------------- faults through the client


def test_get_is_retried_after_a_500(ghl: GHLClient, fake: FakeGHL) -> None:
    cid = fake.add_contact(firstName="R")["id"]
    fake.fail_next(500, operation="get-contact")
    assert ghl.contacts.get(cid).first_name == "R"
    assert fake.count("get-contact") == 2


def test_write_then_fail_is_not_blindly_retried(ghl: GHLClient, fake: FakeGHL) -> None:
    fake.fail_next(500, operation="create-contact", after_write=True)
    with pytest.raises(ghlsdk.InternalServerError):
        ghl.contacts.create(email="once@example.com")
    assert fake.count("create-contact") == 1  # POST not resent after a 5xx
    assert len(fake.contacts) == 1  # ... because the write did happen
    with pytest.raises(ghlsdk.DuplicateContactError):
        ghl.contacts.create(email="once@example.com")
    # Upsert is the duplicate-safe way to write it again.
    assert ghl.contacts.upsert(email="once@example.com").new is False


def test_write_then_timeout(ghl: GHLClient, fake: FakeGHL) -> None:
    cid = fake.add_contact(firstName="T")["id"]
    fake.fail_next(exception=httpx.ReadTimeout, method="POST", after_write=True)
    with pytest.raises(ghlsdk.APITimeoutError):
        ghl.tags.add(cid, ["paid"])
    assert fake.contacts[cid]["tags"] == ["paid"]


def test_auth_errors_surface_as_typed_errors(fake: FakeGHL) -> None:
    read_only = fake.add_location(fake.location_id, scopes=["contacts.readonly"])
    cid = fake.add_contact(firstName="A")["id"]
    with httpx.Client(transport=fake) as http:
        ghl = GHLClient(token=read_only, location_id=fake.location_id, http_client=http)
        assert ghl.contacts.get(cid).id == cid
        with pytest.raises(ghlsdk.AuthenticationError):
            ghl.contacts.update(cid, first_name="B")
        declared = GHLClient(
            token=read_only,
            location_id=fake.location_id,
            http_client=http,
            scopes=["contacts.readonly"],
        )
        before = fake.count()
        with pytest.raises(ghlsdk.MissingScopeError):
            declared.contacts.update(cid, first_name="B")
        assert fake.count() == before  # refused before any request


# ---------------------------------------------------------------- bulk against the rate limit

FAST_WINDOWS = (Window(100, 0.25), Window(200_000, 86_400.0))


def _limited_fake() -> FakeGHL:
    # The fake and the client read the same clock, so their windows line up exactly.
    return FakeGHL(clock=time.monotonic, rate_limit=True, burst_limit=100, burst_interval=0.25)


def test_bulk_loop_of_500_sees_no_429(fake: FakeGHL) -> None:
    limited = _limited_fake()
    cid = limited.add_contact(firstName="Bulk")["id"]
    with httpx.Client(transport=limited) as http:
        ghl = GHLClient(
            token=limited.token,
            location_id=limited.location_id,
            http_client=http,
            rate_limit_windows=FAST_WINDOWS,
        )
        for _ in range(500):
            assert ghl.contacts.get(cid).id == cid
        assert ghl.rate_limit is not None
        assert ghl.rate_limit.burst_limit == 100
    statuses = [r.status for r in limited.requests]
    assert statuses.count(200) == 500
    # Anything else the fake answered was a 429 the client absorbed (arrival jitter can cost
    # one now and then on a real clock); none reached the caller.
    assert set(statuses) <= {200, 429}


def test_bulk_without_client_limiter_recovers_from_429s() -> None:
    limited = FakeGHL(
        clock=time.monotonic,
        rate_limit=True,
        burst_limit=50,
        burst_interval=0.2,
        send_retry_after=False,
    )
    cid = limited.add_contact(firstName="Bulk")["id"]
    with httpx.Client(transport=limited) as http:
        ghl = GHLClient(
            token=limited.token,
            location_id=limited.location_id,
            http_client=http,
            rate_limiting=False,
            max_retries=5,
        )
        for _ in range(150):
            assert ghl.contacts.get(cid).id == cid
    statuses = [r.status for r in limited.requests]
    assert statuses.count(200) == 150
    assert statuses.count(429) >= 1  # the fake did push back; the client absorbed it


async def test_async_bulk_with_concurrency_sees_no_429() -> None:
    limited = _limited_fake()
    cid = limited.add_contact(firstName="Bulk")["id"]
    async with httpx.AsyncClient(transport=limited) as http:
        ghl = AsyncGHLClient(
            token=limited.token,
            location_id=limited.location_id,
            http_client=http,
            rate_limit_windows=FAST_WINDOWS,
        )
        results = await asyncio.gather(*(ghl.contacts.get(cid) for _ in range(300)))
    assert all(c.id == cid for c in results)
    assert [r.status for r in limited.requests].count(200) == 300


def test_fake_events_parse_as_typed_webhooks(ghl: GHLClient, fake: FakeGHL) -> None:
    c = ghl.contacts.create(first_name="Hook", email="hook@example.com", tags=["a"])
    ghl.contacts.update(c.id, dnd=True)
    ghl.tags.add(c.id, ["b"])
    task = ghl.tasks.create(c.id, title="T", due_date="2024-02-01T00:00:00Z")
    assert task.id is not None
    ghl.tasks.complete(c.id, task.id)
    ghl.tasks.delete(c.id, task.id)
    note = ghl.notes.create(c.id, body="N")
    assert note.id is not None
    ghl.notes.update(c.id, note.id, body="N2")
    ghl.notes.delete(c.id, note.id)
    ghl.contacts.delete(c.id)
    kinds = set()
    for event in fake.events:
        parsed = webhooks.parse_event(json.dumps(event).encode(), strict=True)
        assert not isinstance(parsed, webhooks.UnknownEvent), event["type"]
        kinds.add(type(parsed).__name__)
    assert len(kinds) == 11


# ---------------------------------------------------------------- OAuth through the fake


def _oauth_setup(
    fake: FakeGHL, http: httpx.Client
) -> tuple[auth.OAuthSession, auth.MemoryTokenStore]:
    clock = fake.clock
    assert isinstance(clock, FakeClock)

    def now() -> datetime:
        return datetime.fromtimestamp(clock(), tz=timezone.utc)

    oauth = auth.OAuth2(
        client_id=fake.client_id, client_secret=fake.client_secret, http_client=http, clock=now
    )
    tokens = oauth.exchange_code(fake.authorize(), user_type="Location")
    store = auth.MemoryTokenStore()
    store.save(fake.location_id, tokens)
    session = auth.OAuthSession(oauth, store, key=fake.location_id, location_id=fake.location_id)
    return session, store


def test_oauth_session_refreshes_against_rotating_refresh_tokens(fake: FakeGHL) -> None:
    clock = fake.clock
    assert isinstance(clock, FakeClock)
    cid = fake.add_contact(firstName="OAuth")["id"]
    with httpx.Client(transport=fake) as http:
        session, store = _oauth_setup(fake, http)
        ghl = GHLClient(auth=session, location_id=fake.location_id, http_client=http)
        assert ghl.contacts.get(cid).id == cid
        first = store.get(fake.location_id)
        assert first is not None
        assert fake.count("get-access-token") == 1

        clock.advance(86_400)  # the access token has expired at the fake
        assert ghl.contacts.get(cid).id == cid
        assert fake.count("get-access-token") == 2
        second = store.get(fake.location_id)
        assert second is not None
        assert second.refresh_token != first.refresh_token  # the rotated token was saved

        fake.revoke_token(second.access_token)  # 401 -> refresh once -> replay once
        assert ghl.contacts.get(cid).id == cid
        assert fake.count("get-access-token") == 3
        statuses = [r.status for r in fake.requests if r.operation == "get-access-token"]
        assert statuses == [200, 200, 200]  # never a reused (refused) refresh token


@pytest.mark.usefixtures("frequent_switches")
def test_concurrent_calls_on_an_expired_token_refresh_once(fake: FakeGHL) -> None:
    clock = fake.clock
    assert isinstance(clock, FakeClock)
    cid = fake.add_contact(firstName="Many")["id"]
    with httpx.Client(transport=fake) as http:
        session, _ = _oauth_setup(fake, http)
        ghl = GHLClient(auth=session, location_id=fake.location_id, http_client=http)
        clock.advance(86_400)
        errors: list[BaseException] = []
        barrier = threading.Barrier(20)

        def call() -> None:
            try:
                barrier.wait()
                ghl.contacts.get(cid)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    refreshes = [r for r in fake.requests if r.form and r.form["grant_type"] == "refresh_token"]
    assert len(refreshes) == 1
