"""The upsert guard: a Ninox → GHL write whose email matches one GHL contact and its phone
another, or that would drop a secondary email, is not made; with a state store it waits in
the review queue (GHL and Ninox values per field) until a person keeps one side or sets a
value, and the next upsert carries that out, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bridge.state import ReviewItem, SQLiteStateStore
from bridge.sync import resolve_review
from bridge.testing import FakeWorld
from bridge.upsert import AsyncUpserter, Upserter
from tests.bridge.syncworld import add_ninox, edit_ninox


@pytest.fixture
def world() -> Iterator[FakeWorld]:
    w = FakeWorld()
    yield w
    w.close()


def split_identity(world: FakeWorld) -> tuple[str, str, int]:
    """GHL: Ada (ada@…, phone …0100) and Bob (bob@…, phone …0199); a new Ninox contact with
    Ada's email and Bob's phone."""
    ada = world.ghl.add_contact(firstName="Ada", email="ada@example.com", phone="+15550100")
    bob = world.ghl.add_contact(firstName="Bob", email="bob@example.com", phone="+15550199")
    rid = add_ninox(
        world,
        "Contacts",
        {"First Name": "Ada", "Email": "ada@example.com", "Phone": "+1 555 0199"},
    )
    return ada["id"], bob["id"], rid


def ghl_writes(world: FakeWorld) -> list[str]:
    return [f"{r.method} {r.path}" for r in world.ghl.requests if r.method != "GET"]


def status(store: SQLiteStateStore, item: ReviewItem) -> str:
    assert item.review_id is not None
    found = store.review(item.review_id)
    assert found is not None
    return found.status


def guard_items(store: SQLiteStateStore) -> list[ReviewItem]:
    return [i for i in store.reviews(None) if i.kind == "upsert_guard"]


def held_in_review(world: FakeWorld) -> tuple[Upserter, SQLiteStateStore, ReviewItem]:
    """An upserter with a store, after the run that held the write: the open item."""
    store = SQLiteStateStore(":memory:")
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db(), store=store)
    up.ninox_to_ghl()
    [item] = store.open_reviews()
    assert item.review_id is not None
    return up, store, item


def test_email_and_phone_of_two_contacts_is_held_for_review(world: FakeWorld) -> None:
    ada, bob, rid = split_identity(world)
    store = SQLiteStateStore(":memory:")
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db(), store=store)
    before = {cid: dict(world.ghl.contacts[cid]) for cid in (ada, bob)}
    report = up.ninox_to_ghl()
    assert not report.ok
    [held] = report.held
    assert held.item == str(rid)
    assert f"email matches GHL contact {ada} and its phone GHL contact {bob}" in held.reason
    assert ghl_writes(world) == []  # nothing written
    assert {cid: dict(world.ghl.contacts[cid]) for cid in (ada, bob)} == before
    [item] = store.open_reviews()
    assert item.kind == "upsert_guard"
    assert item.source_ref is not None
    assert item.source_ref.startswith(f"ninox:{rid} ")
    assert {"email", "phone", "firstName"} <= set(item.fields)
    assert (item.ghl_values["email"], item.ghl_values["phone"]) == (
        "ada@example.com",
        "+15550100",
    )
    assert item.ninox_values["phone"] == "+15550199"
    assert item.base_values == {}  # an upsert keeps no state: no base
    again = up.ninox_to_ghl()
    assert f"waits in review #{item.review_id}" in again.held[0].reason
    assert len(guard_items(store)) == 1  # held again, not queued twice
    assert ghl_writes(world) == []


def test_keep_ninox_writes_it_once_and_marks_the_item_applied(world: FakeWorld) -> None:
    _, _, rid = split_identity(world)
    up, store, item = held_in_review(world)
    resolve_review(store, item.review_id or 0, keep="ninox")
    world.ghl.fail_next(422, method="POST", path="/contacts/upsert")  # refused
    failed = up.ninox_to_ghl()
    assert [f.item for f in failed.failed] == [str(rid)]
    assert status(store, item) == "resolved"
    done = up.ninox_to_ghl()
    assert done.ok
    assert (done.created + done.updated) == (str(rid),)
    assert status(store, item) == "applied"
    [record] = [r for r in world.ninox_records("Contacts") if r["id"] == rid]
    linked = record["fields"]["GHL Id"]
    assert world.ghl.contacts[linked]["phone"] == "+15550199"
    upserts = [w for w in ghl_writes(world) if w.endswith("/contacts/upsert")]
    assert len(upserts) == 2  # the refused one and the one that landed
    assert up.ninox_to_ghl().counts["unchanged"] == 1  # linked now: nothing more to write


def test_set_a_value_then_write(world: FakeWorld) -> None:
    ada, bob, _ = split_identity(world)
    up, store, item = held_in_review(world)
    with pytest.raises(ValueError, match="cannot set"):
        resolve_review(store, item.review_id or 0, values={"nickname": "x"})
    resolve_review(store, item.review_id or 0, values={"phone": "+15550100"})
    report = up.ninox_to_ghl()
    assert report.ok
    assert world.ghl.contacts[ada]["phone"] == "+15550100"
    assert world.ghl.contacts[bob]["phone"] == "+15550199"  # Bob untouched
    assert status(store, item) == "applied"


def test_keep_ghl_writes_nothing_and_is_not_asked_again(world: FakeWorld) -> None:
    _, _, rid = split_identity(world)
    up, store, item = held_in_review(world)
    resolve_review(store, item.review_id or 0, keep="ghl")
    report = up.ninox_to_ghl()
    assert report.ok
    assert report.unchanged == (str(rid),)
    assert ghl_writes(world) == []
    assert status(store, item) == "applied"
    assert up.ninox_to_ghl().ok  # the same values: decided already
    assert len(guard_items(store)) == 1
    edit_ninox(world, "Contacts", rid, {"First Name": "Adaline"})  # new values: asked again
    assert len(up.ninox_to_ghl().held) == 1
    assert len(guard_items(store)) == 2


def test_a_write_that_would_drop_a_secondary_email_is_held(world: FakeWorld) -> None:
    ada = world.ghl.add_contact(
        firstName="Ada", email="ada@example.com", additionalEmails=["ada@work.example.com"]
    )["id"]
    rid = add_ninox(
        world, "Contacts", {"First Name": "Ada", "Email": "ada@example.com", "GHL Id": ada}
    )
    store = SQLiteStateStore(":memory:")
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db(), store=store)
    assert up.ninox_to_ghl().counts["unchanged"] == 1
    edit_ninox(world, "Contacts", rid, {"Email": "ada@home.example.com"})
    report = up.ninox_to_ghl()
    [held] = report.held
    assert "secondary email(s) ada@work.example.com" in held.reason
    assert world.ghl.contacts[ada]["email"] == "ada@example.com"
    [item] = store.open_reviews()
    assert (item.ghl_values, item.ninox_values) == (
        {"email": "ada@example.com"},
        {"email": "ada@home.example.com"},
    )
    edit_ninox(world, "Contacts", rid, {"First Name": "Augusta"})  # other fields still wait
    assert len(up.ninox_to_ghl().held) == 1
    assert world.ghl.contacts[ada]["firstName"] == "Ada"


def test_without_a_store_the_write_is_held_and_said_why(world: FakeWorld) -> None:
    split_identity(world)
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db())
    [held] = up.ninox_to_ghl().held
    assert "give the Upserter a store=" in held.reason
    assert ghl_writes(world) == []


async def test_the_async_twin_holds_and_carries_out_alike(world: FakeWorld) -> None:
    _, _, rid = split_identity(world)
    store = SQLiteStateStore(":memory:")
    up = AsyncUpserter(
        world.async_ghl_client(rate_limiting=False), world.async_ninox_db(), store=store
    )
    assert [h.item for h in (await up.ninox_to_ghl()).held] == [str(rid)]
    [item] = store.open_reviews()
    assert item.review_id is not None
    resolve_review(store, item.review_id or 0, keep="ghl")
    report = await up.ninox_to_ghl()
    assert report.ok
    assert ghl_writes(world) == []


def test_a_store_that_is_not_one_is_refused_before_any_request(world: FakeWorld) -> None:
    bad: Any = object()
    with pytest.raises(TypeError, match="StateStore"):
        Upserter(world.ghl_client(rate_limiting=False), world.ninox_db(), store=bad)
    assert world.ghl.requests == []
