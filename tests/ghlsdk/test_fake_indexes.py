"""FakeGHL serves lists and children from indexes: the records a request reads are counted
(no timing), and stay near what it returns however many records the fake holds. A naive fake
(sort or scan every contact per request) reads all of them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from ghlsdk.testing import FakeClock, FakeGHL

N = 3_000
HEADERS = {"Authorization": "Bearer fake-ghl-token", "Version": "2021-07-28"}
CALENDAR_HEADERS = {**HEADERS, "Version": "2021-04-15"}
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class CountingDict(dict[str, Any]):
    """A store that counts the records read from it."""

    reads = 0

    def __getitem__(self, key: str) -> Any:
        self.reads += 1
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.reads += 1
        return super().get(key, default)

    def values(self) -> Any:
        self.reads += len(self)
        return super().values()

    def items(self) -> Any:
        self.reads += len(self)
        return super().items()

    def __iter__(self) -> Any:
        self.reads += len(self)
        return super().__iter__()


@pytest.fixture(scope="module")
def world() -> tuple[FakeGHL, httpx.Client, list[str]]:
    fake = FakeGHL(clock=FakeClock(START))
    ids = []
    for n in range(N):
        added = START + timedelta(minutes=n)
        c = fake.add_contact(
            email=f"c{n}@example.com",
            phone=f"+1555{n:07d}",
            dateAdded=added.isoformat().replace("+00:00", "Z"),
        )
        ids.append(c["id"])
        fake.add_task(c["id"], title=f"task {n}")
        fake.add_note(c["id"], body=f"note {n}")
        begin = START + timedelta(hours=n)
        fake.add_appointment(
            c["id"],
            startTime=begin.strftime("%Y-%m-%d %H:%M:%S"),
            endTime=(begin + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S"),
        )
    client = httpx.Client(
        transport=fake, base_url="https://services.leadconnectorhq.com", headers=HEADERS
    )
    return fake, client, ids


def _count_reads(fake: FakeGHL, store: str) -> CountingDict:
    counting = CountingDict(getattr(fake, store))
    setattr(fake, store, counting)
    return counting


def _restore(fake: FakeGHL, store: str) -> None:
    setattr(fake, store, dict(getattr(fake, store)))


@pytest.fixture
def counted(world: tuple[FakeGHL, httpx.Client, list[str]]) -> Any:
    fake = world[0]
    stores = {s: _count_reads(fake, s) for s in ("_contacts", "_tasks", "_notes", "_appointments")}
    yield stores
    for s in stores:
        _restore(fake, s)


def test_a_contacts_page_reads_the_page_not_the_store(world: Any, counted: Any) -> None:
    fake, client, ids = world
    loc = fake.location_id
    first = client.get("/contacts/", params={"locationId": loc, "limit": 20}).json()
    meta = first["meta"]
    deep = client.get(
        "/contacts/",
        params={
            "locationId": loc,
            "limit": 20,
            "startAfterId": ids[2_000],
            "startAfter": meta["startAfter"],
        },
    ).json()
    assert [c["id"] for c in first["contacts"]] == ids[:20]
    assert [c["id"] for c in deep["contacts"]] == ids[2_001:2_021]
    assert counted["_contacts"].reads <= 2 * 20 + 4  # not N: no sort, no scan


def test_a_contacts_children_are_read_from_its_index(world: Any, counted: Any) -> None:
    _fake, client, ids = world
    cid = ids[1_234]
    tasks = client.get(f"/contacts/{cid}/tasks").json()["tasks"]
    notes = client.get(f"/contacts/{cid}/notes").json()["notes"]
    events = client.get(f"/contacts/{cid}/appointments").json()["events"]
    assert [t["title"] for t in tasks] == ["task 1234"]
    assert [n["body"] for n in notes] == ["note 1234"]
    assert len(events) == 1
    reads = {name: store.reads for name, store in counted.items()}
    assert reads == {"_contacts": 3, "_tasks": 1, "_notes": 1, "_appointments": 1}


def test_a_calendar_window_reads_the_events_that_can_overlap_it(world: Any, counted: Any) -> None:
    fake, client, ids = world
    begin = START + timedelta(hours=1_500, minutes=15)  # inside appointment 1500
    window = {
        "locationId": fake.location_id,
        "calendarId": "fakeCalendar00000001",
        "startTime": str(int(begin.timestamp() * 1000)),
        "endTime": str(int((begin + timedelta(hours=3)).timestamp() * 1000)),
    }
    events = client.get("/calendars/events", params=window, headers=CALENDAR_HEADERS)
    assert [e["contactId"] for e in events.json()["events"]] == ids[1_500:1_504]
    assert counted["_appointments"].reads <= 5  # 1500..1503, plus the one before at most


def test_a_duplicate_check_reads_the_matches_not_every_contact(world: Any, counted: Any) -> None:
    fake, client, ids = world
    body = {"locationId": fake.location_id, "email": "C2999@example.com"}
    refused = client.post("/contacts/", json=body)
    assert refused.status_code == 400
    assert refused.json()["meta"]["contactId"] == ids[2_999]
    by_phone = client.get(
        "/contacts/search/duplicate",
        params={"locationId": fake.location_id, "number": "(555) 000-0042"},
    )
    assert by_phone.json()["contact"] is None  # the digits differ: +1 5550000042
    by_phone = client.get(
        "/contacts/search/duplicate",
        params={"locationId": fake.location_id, "number": "+1 555 000 0042"},
    )
    assert by_phone.json()["contact"]["id"] == ids[42]
    assert counted["_contacts"].reads <= 6


def test_the_identity_index_follows_updates_and_deletes() -> None:
    fake = FakeGHL()
    client = httpx.Client(transport=fake, base_url="https://x", headers=HEADERS)
    loc = fake.location_id
    a = client.post("/contacts/", json={"locationId": loc, "email": "a@x.com"}).json()["contact"]
    assert client.put(f"/contacts/{a['id']}", json={"email": "b@x.com"}).status_code == 200
    # the old email is free again, the new one taken
    assert (
        client.post("/contacts/", json={"locationId": loc, "email": "A@x.com"}).status_code == 201
    )
    taken = client.post("/contacts/", json={"locationId": loc, "email": "B@X.com"})
    assert taken.json()["meta"]["contactId"] == a["id"]
    fake.edit_contact(a["id"], email="c@x.com")
    assert (
        client.post("/contacts/", json={"locationId": loc, "email": "b@x.com"}).status_code == 201
    )
    fake.remove_contact(a["id"])
    assert (
        client.post("/contacts/", json={"locationId": loc, "email": "c@x.com"}).status_code == 201
    )
    up = client.post("/contacts/upsert", json={"locationId": loc, "email": "C@x.com", "phone": "1"})
    assert up.json()["new"] is False
