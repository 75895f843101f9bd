"""FakeGHL tasks, notes, appointments, tags, followers, campaigns and workflows (sync + async)."""

from __future__ import annotations

from typing import Any

import pytest

from ghlsdk.testing import FakeClock, FakeGHL

from .test_fake_support import Api, api, clock, fake

__all__ = ["api", "clock", "fake"]  # fixtures used by this module


@pytest.fixture
def contact(fake: FakeGHL) -> dict[str, Any]:
    return fake.add_contact(firstName="Owner", tags=["a"])


# ---------------------------------------------------------------- tasks


async def test_task_lifecycle(api: Api, fake: FakeGHL, contact: dict[str, Any]) -> None:
    cid = contact["id"]
    r = await api.post(
        f"/contacts/{cid}/tasks",
        json={"title": "Call", "dueDate": "2024-02-01T10:00:00Z", "completed": False},
    )
    assert r.status_code == 201
    task = r.json()["task"]
    assert task["title"] == "Call"
    assert task["contactId"] == cid
    assert task["completed"] is False
    tid = task["id"]

    r = await api.get(f"/contacts/{cid}/tasks/{tid}")
    assert r.json() == {"task": task}

    r = await api.put(
        f"/contacts/{cid}/tasks/{tid}", json={"body": "about the invoice", "assignedTo": "u1"}
    )
    assert r.status_code == 200
    assert r.json()["task"]["body"] == "about the invoice"
    assert r.json()["task"]["title"] == "Call"

    r = await api.put(f"/contacts/{cid}/tasks/{tid}/completed", json={"completed": True})
    assert r.status_code == 200
    assert r.json()["task"]["completed"] is True
    assert fake.tasks[tid]["completed"] is True

    r = await api.get(f"/contacts/{cid}/tasks")
    assert [t["id"] for t in r.json()["tasks"]] == [tid]

    r = await api.delete(f"/contacts/{cid}/tasks/{tid}")
    assert r.json() == {"succeded": True}
    r = await api.get(f"/contacts/{cid}/tasks")
    assert r.json() == {"tasks": []}
    r = await api.get(f"/contacts/{cid}/tasks/{tid}")
    assert r.status_code == 404


async def test_task_keys_match_the_spec(api: Api, contact: dict[str, Any]) -> None:
    r = await api.post(
        f"/contacts/{contact['id']}/tasks",
        json={
            "title": "T",
            "body": "B",
            "dueDate": "2024-02-01T10:00:00Z",
            "completed": False,
            "assignedTo": "u",
        },
    )
    task = r.json()["task"]
    assert set(task) == {"id", "title", "body", "assignedTo", "dueDate", "completed", "contactId"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"dueDate": "2024-02-01T10:00:00Z", "completed": False}, 400),
        ({"title": "x", "completed": False}, 400),
        ({"title": "x", "dueDate": "2024-02-01T10:00:00Z"}, 400),
        ({"title": "x", "dueDate": "tomorrow", "completed": False}, 422),
        ({"title": "x", "dueDate": "2024-02-01", "completed": "no"}, 422),
        ({"title": "x", "dueDate": "2024-02-01", "completed": False, "status": "open"}, 422),
    ],
)
async def test_task_create_errors(
    api: Api, fake: FakeGHL, contact: dict[str, Any], body: dict[str, Any], status: int
) -> None:
    r = await api.post(f"/contacts/{contact['id']}/tasks", json=body)
    assert r.status_code == status
    assert fake.tasks == {}


async def test_task_of_another_contact_is_404(api: Api, fake: FakeGHL) -> None:
    a = fake.add_contact(firstName="A")
    b = fake.add_contact(firstName="B")
    task = fake.add_task(a["id"], title="mine")
    for method in ("GET", "PUT", "DELETE"):
        r = await api.request(method, f"/contacts/{b['id']}/tasks/{task['id']}", json={})
        assert r.status_code == 404
    r = await api.get("/contacts/missing/tasks")
    assert r.status_code == 404


async def test_complete_requires_completed(
    api: Api, fake: FakeGHL, contact: dict[str, Any]
) -> None:
    task = fake.add_task(contact["id"], title="t")
    r = await api.put(f"/contacts/{contact['id']}/tasks/{task['id']}/completed", json={})
    assert r.status_code == 400
    r = await api.put(
        f"/contacts/{contact['id']}/tasks/{task['id']}/completed",
        json={"completed": True, "title": "x"},
    )
    assert r.status_code == 422


# ---------------------------------------------------------------- notes


async def test_note_lifecycle(
    api: Api, fake: FakeGHL, clock: FakeClock, contact: dict[str, Any]
) -> None:
    cid = contact["id"]
    clock.advance(2)
    r = await api.post(
        f"/contacts/{cid}/notes", json={"body": "hello", "userId": "u1", "pinned": True}
    )
    assert r.status_code == 201
    note = r.json()["note"]
    assert note["body"] == "hello"
    assert note["contactId"] == cid
    assert note["dateAdded"] == "2024-01-01T00:00:02.000Z"
    nid = note["id"]
    assert (await api.get(f"/contacts/{cid}/notes/{nid}")).json() == {"note": note}
    r = await api.put(f"/contacts/{cid}/notes/{nid}", json={"title": "T", "color": "#FFAA00"})
    assert r.json()["note"]["title"] == "T"
    assert r.json()["note"]["body"] == "hello"
    r = await api.get(f"/contacts/{cid}/notes")
    assert [n["id"] for n in r.json()["notes"]] == [nid]
    r = await api.delete(f"/contacts/{cid}/notes/{nid}")
    assert r.json() == {"succeded": True}
    assert fake.notes == {}
    r = await api.get(f"/contacts/{cid}/notes/{nid}")
    assert r.status_code == 404


async def test_note_errors(api: Api, contact: dict[str, Any]) -> None:
    cid = contact["id"]
    r = await api.post(f"/contacts/{cid}/notes", json={"title": "no body"})
    assert r.status_code == 400
    r = await api.post(f"/contacts/{cid}/notes", json={"body": "x", "attachments": []})
    assert r.status_code == 422
    assert r.json()["message"] == ["property attachments should not exist"]
    r = await api.post("/contacts/missing/notes", json={"body": "x"})
    assert r.status_code == 404


# ---------------------------------------------------------------- appointments


async def test_appointments_of_a_contact(api: Api, fake: FakeGHL, contact: dict[str, Any]) -> None:
    other = fake.add_contact(firstName="Other")
    appt = fake.add_appointment(contact["id"], title="Demo", appointmentStatus="confirmed")
    fake.add_appointment(other["id"])
    r = await api.get(f"/contacts/{contact['id']}/appointments")
    assert r.status_code == 200
    events = r.json()["events"]
    assert events == [appt]
    assert events[0]["startTime"] == "2024-01-01 00:00:00"
    assert events[0]["endTime"] == "2024-01-01 00:30:00"
    assert events[0]["locationId"] == fake.location_id
    r = await api.get(f"/contacts/{other['id']}/appointments")
    assert len(r.json()["events"]) == 1
    r = await api.get("/contacts/missing/appointments")
    assert r.status_code == 404


async def test_no_appointments_is_an_empty_list(api: Api, contact: dict[str, Any]) -> None:
    r = await api.get(f"/contacts/{contact['id']}/appointments")
    assert r.json() == {"events": []}


# ---------------------------------------------------------------- tags


async def test_tags_add_and_remove(
    api: Api, fake: FakeGHL, clock: FakeClock, contact: dict[str, Any]
) -> None:
    cid = contact["id"]
    clock.advance(30)
    r = await api.post(f"/contacts/{cid}/tags", json={"tags": ["b", "a", "c"]})
    assert r.status_code == 201
    assert r.json() == {"tags": ["a", "b", "c"]}
    assert fake.contacts[cid]["dateUpdated"] == "2024-01-01T00:00:30.000Z"
    r = await api.request("DELETE", f"/contacts/{cid}/tags", json={"tags": ["a", "zzz"]})
    assert r.status_code == 200
    assert r.json() == {"tags": ["b", "c"]}
    assert fake.contacts[cid]["tags"] == ["b", "c"]


async def test_tags_echo_changed(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, tags_echo="changed")
    client = Api(fake, "async")
    cid = fake.add_contact(tags=["old"])["id"]
    r = await client.post(f"/contacts/{cid}/tags", json={"tags": ["new"]})
    assert r.json() == {"tags": ["new"]}
    assert fake.contacts[cid]["tags"] == ["old", "new"]
    await client.close()


async def test_tags_errors(api: Api, contact: dict[str, Any]) -> None:
    r = await api.post(f"/contacts/{contact['id']}/tags", json={})
    assert r.status_code == 400
    r = await api.post(f"/contacts/{contact['id']}/tags", json={"tags": "a"})
    assert r.status_code == 422
    r = await api.delete("/contacts/nope/tags", json={"tags": ["a"]})
    assert r.status_code == 404


# ---------------------------------------------------------------- followers


async def test_followers(api: Api, fake: FakeGHL, contact: dict[str, Any]) -> None:
    cid = contact["id"]
    r = await api.post(f"/contacts/{cid}/followers", json={"followers": ["u1", "u2"]})
    assert r.status_code == 201
    assert r.json() == {"followers": ["u1", "u2"], "followersAdded": ["u1", "u2"]}
    r = await api.post(f"/contacts/{cid}/followers", json={"followers": ["u2", "u3"]})
    assert r.json() == {"followers": ["u1", "u2", "u3"], "followersAdded": ["u3"]}
    r = await api.request("DELETE", f"/contacts/{cid}/followers", json={"followers": ["u1", "x"]})
    assert r.status_code == 200
    assert r.json() == {"followers": ["u2", "u3"], "followersRemoved": ["u1"]}
    assert fake.contacts[cid]["followers"] == ["u2", "u3"]
    r = await api.post(f"/contacts/{cid}/followers", json={"users": ["u1"]})
    assert r.status_code == 422


# ---------------------------------------------------------------- campaigns, workflows


async def test_campaigns(api: Api, fake: FakeGHL, contact: dict[str, Any]) -> None:
    cid = contact["id"]
    for camp in ("c1", "c2", "c3"):
        r = await api.post(f"/contacts/{cid}/campaigns/{camp}", json={})
        assert r.status_code == 201
        assert r.json() == {"succeded": True}
    assert fake.campaigns == {cid: ["c1", "c2", "c3"]}
    r = await api.delete(f"/contacts/{cid}/campaigns/c2")
    assert r.status_code == 200
    assert r.json() == {"succeded": True}
    assert fake.campaigns == {cid: ["c1", "c3"]}
    r = await api.delete(f"/contacts/{cid}/campaigns/removeAll")
    assert r.status_code == 200
    assert fake.campaigns == {}
    r = await api.post(f"/contacts/{cid}/campaigns/c9", json={"startAt": "now"})
    assert r.status_code == 422
    r = await api.post("/contacts/missing/campaigns/c1", json={})
    assert r.status_code == 404


async def test_workflows(api: Api, fake: FakeGHL, contact: dict[str, Any]) -> None:
    cid = contact["id"]
    r = await api.post(
        f"/contacts/{cid}/workflow/w1", json={"eventStartTime": "2024-03-01T10:00:00+05:30"}
    )
    assert r.status_code == 200
    assert r.json() == {"succeded": True}
    r = await api.post(f"/contacts/{cid}/workflow/w2", json={})
    assert r.status_code == 200
    assert fake.workflows == {cid: {"w1": "2024-03-01T10:00:00+05:30", "w2": None}}
    r = await api.request("DELETE", f"/contacts/{cid}/workflow/w1", json={})
    assert r.status_code == 200
    assert fake.workflows == {cid: {"w2": None}}
    r = await api.post(f"/contacts/{cid}/workflow/w3", json={"eventStartTime": "soon"})
    assert r.status_code == 422
    r = await api.post(f"/contacts/{cid}/workflow/w3", json={"startTime": "x"})
    assert r.status_code == 422
