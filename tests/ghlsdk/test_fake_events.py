"""FakeGHL webhook-style events and the "edited in GHL" helpers (edit_contact/remove_contact)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ghlsdk.testing import FakeClock, FakeGHL

from .test_fake_support import Api, api, clock, fake, new_contact

__all__ = ["api", "clock", "fake"]  # fixtures used by this module

WEBHOOK_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "ghl" / "webhooks"
DELIVERY_KEYS = {"webhookId", "timestamp"}


def _types(fake: FakeGHL) -> list[str]:
    return [e["type"] for e in fake.events]


def _schema_keys(kind: str) -> set[str]:
    schema = json.loads((WEBHOOK_DIR / f"{kind}.schema.json").read_text())
    return set(schema["properties"])


async def test_contact_events(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    fake.add_contact(firstName="Seeded")  # seeding emits nothing
    assert fake.events == []
    r = await api.post("/contacts/", json=new_contact(fake, firstName="Ev", email="e@x.com"))
    cid = r.json()["contact"]["id"]
    clock.advance(1)
    await api.put(f"/contacts/{cid}", json={"lastName": "Ent"})
    await api.put(f"/contacts/{cid}", json={"tags": ["a"], "dnd": True})
    await api.post(f"/contacts/{cid}/tags", json={"tags": ["a"]})  # no change: no event
    await api.post(f"/contacts/{cid}/tags", json={"tags": ["b"]})
    await api.delete(f"/contacts/{cid}/tags", json={"tags": ["a"]})
    await api.delete(f"/contacts/{cid}")
    assert _types(fake) == [
        "ContactCreate",
        "ContactUpdate",
        "ContactUpdate",
        "ContactTagUpdate",
        "ContactDndUpdate",
        "ContactTagUpdate",
        "ContactTagUpdate",
        "ContactDelete",
    ]
    first = fake.events[0]
    assert first["id"] == cid
    assert first["locationId"] == fake.location_id
    assert first["firstName"] == "Ev"
    assert first["email"] == "e@x.com"
    assert first["timestamp"] == "2024-01-01T00:00:00.000Z"
    assert len(first["webhookId"]) == 36
    assert fake.events[1]["name"] == "Ev Ent"
    assert fake.events[-1]["tags"] == ["b"]


async def test_event_keys_follow_the_webhook_schemas(api: Api, fake: FakeGHL) -> None:
    r = await api.post(
        "/contacts/",
        json=new_contact(
            fake,
            firstName="A",
            lastName="B",
            email="a@b.c",
            phone="+15550001111",
            companyName="Co",
            address1="1 St",
            city="C",
            state="S",
            postalCode="1",
            country="US",
            website="https://x",
            assignedTo="u",
            dateOfBirth="1990-01-01",
            tags=["t"],
            customFields=[{"id": "f", "field_value": "v"}],
        ),
    )
    cid = r.json()["contact"]["id"]
    await api.put(f"/contacts/{cid}", json={"dndSettings": {"SMS": {"status": "active"}}})
    task_body = {"title": "T", "body": "B", "dueDate": "2024-02-01T00:00:00Z", "completed": False}
    task = (await api.post(f"/contacts/{cid}/tasks", json=task_body)).json()["task"]
    await api.put(f"/contacts/{cid}/tasks/{task['id']}/completed", json={"completed": True})
    await api.delete(f"/contacts/{cid}/tasks/{task['id']}")
    note = (await api.post(f"/contacts/{cid}/notes", json={"body": "N"})).json()["note"]
    await api.put(f"/contacts/{cid}/notes/{note['id']}", json={"body": "N2"})
    await api.delete(f"/contacts/{cid}/notes/{note['id']}")
    await api.delete(f"/contacts/{cid}")
    kinds = set()
    for event in fake.events:
        kinds.add(event["type"])
        assert set(event) - DELIVERY_KEYS <= _schema_keys(event["type"]), event["type"]
    assert kinds == {
        "ContactCreate",
        "ContactUpdate",
        "ContactDndUpdate",
        "ContactDelete",
        "TaskCreate",
        "TaskComplete",
        "TaskDelete",
        "NoteCreate",
        "NoteUpdate",
        "NoteDelete",
    }
    dnd = next(e for e in fake.events if e["type"] == "ContactDndUpdate")
    assert dnd["dndSettings"] == {"SMS": {"status": "active"}}


async def test_task_complete_fires_once(api: Api, fake: FakeGHL) -> None:
    cid = fake.add_contact()["id"]
    body = {"title": "T", "dueDate": "2024-02-01T00:00:00Z", "completed": False}
    tid = (await api.post(f"/contacts/{cid}/tasks", json=body)).json()["task"]["id"]
    await api.put(f"/contacts/{cid}/tasks/{tid}", json={"completed": True})
    await api.put(f"/contacts/{cid}/tasks/{tid}/completed", json={"completed": True})
    await api.put(f"/contacts/{cid}/tasks/{tid}/completed", json={"completed": False})
    assert _types(fake) == ["TaskCreate", "TaskComplete"]
    created = fake.events[0]
    assert created["contactId"] == cid
    assert created["locationId"] == fake.location_id
    assert created["dueDate"] == "2024-02-01T00:00:00Z"


async def test_upsert_events(api: Api, fake: FakeGHL) -> None:
    await api.post("/contacts/upsert", json=new_contact(fake, email="u@x.com"))
    await api.post("/contacts/upsert", json=new_contact(fake, email="u@x.com", city="Rome"))
    assert _types(fake) == ["ContactCreate", "ContactUpdate"]
    assert fake.events[1]["city"] == "Rome"


async def test_failed_requests_emit_nothing_but_write_then_fail_does(
    api: Api, fake: FakeGHL
) -> None:
    await api.post("/contacts/", json={"firstName": "no location"})
    fake.fail_next(500)
    await api.post("/contacts/", json=new_contact(fake, email="a@x.com"))
    assert fake.events == []
    fake.fail_next(500, after_write=True)
    r = await api.post("/contacts/", json=new_contact(fake, email="a@x.com"))
    assert r.status_code == 500
    assert _types(fake) == ["ContactCreate"]


async def test_on_event_callbacks(api: Api, fake: FakeGHL) -> None:
    received: list[dict[str, Any]] = []
    seen_state: list[int] = []

    def listener(event: dict[str, Any]) -> None:
        received.append(event)
        seen_state.append(len(fake.contacts))  # may call back into the fake

    unsubscribe = fake.on_event(listener)
    await api.post("/contacts/", json=new_contact(fake, firstName="One"))
    assert [e["type"] for e in received] == ["ContactCreate"]
    assert seen_state == [1]
    received[0]["firstName"] = "mutated"
    assert fake.events[0]["firstName"] == "One"  # listeners get copies
    unsubscribe()
    unsubscribe()  # idempotent
    await api.post("/contacts/", json=new_contact(fake, firstName="Two"))
    assert len(received) == 1
    assert len(fake.events) == 2


async def test_listener_errors_surface(api: Api, fake: FakeGHL) -> None:
    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    fake.on_event(broken)
    with pytest.raises(RuntimeError, match="listener bug"):
        await api.post("/contacts/", json=new_contact(fake, firstName="X"))
    assert len(fake.contacts) == 1


async def test_reset_counters_clears_events(api: Api, fake: FakeGHL) -> None:
    await api.post("/contacts/", json=new_contact(fake, firstName="X"))
    fake.reset_counters()
    assert fake.events == []


async def test_edit_contact_simulates_a_change_in_ghl(
    api: Api, fake: FakeGHL, clock: FakeClock
) -> None:
    c = fake.add_contact(firstName="Old", tags=["a"])
    clock.advance(120)
    edited = fake.edit_contact(c["id"], firstName="New", tags=["a", "b"], email=None)
    assert edited["name"] == "New"
    assert edited["dateUpdated"] == "2024-01-01T00:02:00.000Z"
    assert "email" not in edited
    assert _types(fake) == ["ContactUpdate", "ContactTagUpdate"]
    r = await api.post(
        "/contacts/search",
        json={
            "locationId": fake.location_id,
            "pageLimit": 10,
            "filters": [
                {
                    "field": "dateUpdated",
                    "operator": "range",
                    "value": {"gt": "2024-01-01T00:01:00Z"},
                }
            ],
        },
    )
    assert [x["id"] for x in r.json()["contacts"]] == [c["id"]]
    kept = fake.edit_contact(c["id"], city="X", dateUpdated="2020-01-01T00:00:00.000Z")
    assert kept["dateUpdated"] == "2020-01-01T00:00:00.000Z"
    with pytest.raises(KeyError):
        fake.edit_contact("missing", city="X")
    with pytest.raises(TypeError):
        fake.edit_contact(c["id"], first_name="x")


async def test_remove_contact(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact(firstName="Gone")
    fake.add_task(c["id"], title="t")
    fake.remove_contact(c["id"])
    assert fake.contacts == {}
    assert fake.tasks == {}
    assert _types(fake) == ["ContactDelete"]
    assert (await api.get(f"/contacts/{c['id']}")).status_code == 404
