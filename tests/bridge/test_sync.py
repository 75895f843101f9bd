"""The two-way sync engine on FakeGHL + FakeNinox: policies, triggers, deletes, plan, echo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bridge.conflicts import GHL_WINS, MANUAL, NINOX_WINS, PREFER_NON_EMPTY, Newest
from bridge.state import SQLiteStateStore
from bridge.sync import AsyncSyncEngine, SyncConfig, SyncEngine
from bridge.testing import FakeWorld
from ghlsdk.testing import FakeClock
from ghlsdk.webhooks import parse_event


@pytest.fixture
def world() -> Iterator[FakeWorld]:
    w = FakeWorld()
    yield w
    w.close()


def engine_for(
    world: FakeWorld, store: SQLiteStateStore | None = None, **config: Any
) -> SyncEngine:
    return SyncEngine(
        world.ghl_client(rate_limiting=False),
        world.ninox_db(),
        store or SQLiteStateStore(),
        config=SyncConfig(**config),
    )


def ninox_contacts(world: FakeWorld) -> dict[str, dict[str, Any]]:
    return {r["fields"].get("GHL Id"): r for r in world.ninox_records("Contacts")}


def edit_ninox(world: FakeWorld, ghl_id: str, fields: dict[str, Any]) -> None:
    record = ninox_contacts(world)[ghl_id]
    world.ninox.update_record(
        world.team_id, world.database_id, world.table_ids["Contacts"], record["id"], fields
    )


def test_first_sync_creates_everything_and_the_next_pass_is_quiet(world: FakeWorld) -> None:
    ids = world.seed_ghl(30)
    engine = engine_for(world)
    first = engine.sync()
    assert first.ok
    assert first.counts["contact"] == {"create_ninox": 30}
    assert set(ninox_contacts(world)) == set(ids)
    tasks = world.ninox_records("Tasks")
    contact_ids = {r["id"] for r in world.ninox_records("Contacts")}
    assert len(tasks) == 30
    assert all(t["fields"]["Contact"] in contact_ids for t in tasks)
    engine.sync()  # our own writes come back once and are recognised by content
    world.ghl.reset_counters()
    world.ninox.reset_counters()
    quiet = engine.sync()
    assert quiet.writes == 0
    assert [r for r in world.ghl.requests if r.method != "GET" and "search" not in r.path] == []
    assert [r for r in world.ninox.requests if r.method != "GET"] == []


def test_edits_to_different_fields_of_one_record_both_survive(world: FakeWorld) -> None:
    [cid] = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    engine = engine_for(world)
    engine.sync()
    world.ghl.edit_contact(cid, email="from.ghl@example.com")
    edit_ninox(world, cid, {"Phone": "+15550123456"})
    report = engine.sync()
    assert report.ok
    assert not report.conflicts
    assert ninox_contacts(world)[cid]["fields"]["Email"] == "from.ghl@example.com"
    assert world.ghl.contacts[cid]["phone"] == "+15550123456"
    assert engine.sync().writes == 0


@pytest.mark.parametrize(
    ("policy", "expected", "review"),
    [
        (GHL_WINS, "Ghl", False),
        (NINOX_WINS, "Ninox", False),
        (MANUAL, None, True),
        (PREFER_NON_EMPTY, "Ghl", False),  # both filled: its tie breaker (GHL)
        (lambda c: "ninox" if c.ninox.startswith("N") else "ghl", "Ninox", False),
    ],
)
def test_conflict_policies(
    world: FakeWorld, policy: Any, expected: str | None, review: bool
) -> None:
    [cid] = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    store = SQLiteStateStore()
    engine = engine_for(world, store, policies={"contact": {"first_name": policy}})
    engine.sync()
    before = world.ghl.contacts[cid]["firstName"]
    world.ghl.edit_contact(cid, firstName="Ghl")
    edit_ninox(world, cid, {"First Name": "Ninox"})
    report = engine.sync()
    [conflict] = report.conflicts
    assert (conflict.ghl, conflict.ninox) == ("Ghl", "Ninox")
    ghl_value = world.ghl.contacts[cid]["firstName"]
    ninox_value = ninox_contacts(world)[cid]["fields"]["First Name"]
    if review:
        assert conflict.resolution == "manual"
        assert (ghl_value, ninox_value) == ("Ghl", "Ninox")  # neither side is touched
        assert [r.fields for r in store.open_reviews()] == [("first_name",)]
        assert not report.ok
        assert engine.sync().writes == 0  # and the review is not re-filed on every pass
        assert len(store.open_reviews()) == 1
    else:
        assert ghl_value == ninox_value == expected
    assert before != "Ghl"


@pytest.mark.parametrize(
    ("ghl_clock", "winner"),
    [
        # FakeNinox stamps records with the real time; FakeGHL follows the clock we give it.
        (datetime(2020, 1, 1, tzinfo=timezone.utc), "ninox"),
        (datetime.now(timezone.utc) + timedelta(days=365), "ghl"),
    ],
)
def test_newest_policy_uses_record_times_with_tolerance(ghl_clock: datetime, winner: str) -> None:
    world = FakeWorld(ghl_options={"clock": FakeClock(ghl_clock)})
    [cid] = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    policy = Newest(tolerance=timedelta(minutes=5), tie_breaker="manual")
    engine = engine_for(world, policies={"contact": {"email": policy}})
    engine.sync()
    world.ghl.edit_contact(cid, email="from-ghl@example.com")
    edit_ninox(world, cid, {"Email": "from-ninox@example.com"})
    report = engine.sync()
    [conflict] = report.conflicts
    assert conflict.resolution == winner
    expected = f"from-{winner}@example.com"
    assert world.ghl.contacts[cid]["email"] == expected
    assert ninox_contacts(world)[cid]["fields"]["Email"] == expected
    world.close()


def test_plan_writes_nothing_and_shows_field_changes(world: FakeWorld) -> None:
    [cid] = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    store = SQLiteStateStore()
    engine = engine_for(world, store)
    engine.sync()
    world.ghl.edit_contact(cid, email="planned@example.com")
    links_before = store.links()
    cursors_before = store.cursors()
    world.ghl.reset_counters()
    world.ninox.reset_counters()
    plan = engine.plan()
    assert plan.dry_run
    [change] = [c for c in plan.changes if c.entity == "contact"]
    assert change.target == "ninox"
    assert change.fields["email"][1] == "planned@example.com"
    assert "would update contact" in str(plan)
    assert [r for r in world.ninox.requests if r.method != "GET"] == []
    assert [
        r for r in world.ghl.requests if r.method not in ("GET",) and "search" not in r.path
    ] == []
    assert store.links() == links_before
    assert store.cursors() == cursors_before
    assert store.runs()[0].kind == "sync"  # a plan leaves no run behind either
    assert engine.sync().counts["contact"]["update_ninox"] == 1


def test_new_ninox_contact_is_created_in_ghl_with_its_id_written_back(world: FakeWorld) -> None:
    world.seed_ghl(2, tasks=0, notes=0, appointments=0)
    engine = engine_for(world)
    engine.sync()
    world.ninox.add_record(
        world.team_id,
        world.database_id,
        world.table_ids["Contacts"],
        {"First Name": "Hedy", "Last Name": "Lamarr", "Email": "hedy@example.com"},
    )
    report = engine.sync()
    assert report.counts["contact"]["create_ghl"] == 1
    hedy = next(r for r in world.ninox_records("Contacts") if r["fields"]["First Name"] == "Hedy")
    ghl_id = hedy["fields"]["GHL Id"]
    assert world.ghl.contacts[ghl_id]["email"] == "hedy@example.com"
    engine.sync()
    assert engine.sync().writes == 0
    assert len(world.ghl.contacts) == 3


def test_webhook_events_reconcile_one_record_at_once(world: FakeWorld) -> None:
    [cid] = world.seed_ghl(1, tasks=1, notes=0, appointments=0)
    engine = engine_for(world)
    engine.sync()
    world.ghl.edit_contact(cid, email="hooked@example.com")
    report = engine.handle_ghl_event(parse_event(world.ghl.events[-1]))
    assert report.counts["contact"] == {"update_ninox": 1}
    assert ninox_contacts(world)[cid]["fields"]["Email"] == "hooked@example.com"
    # a new contact created in GHL arrives through its ContactCreate event
    ghl = world.ghl_client(rate_limiting=False)
    new = ghl.contacts.create(first_name="Katherine", email="kj@example.com")
    report = engine.handle_ghl_event(parse_event(world.ghl.events[-1]))
    assert report.counts["contact"] == {"create_ninox": 1}
    assert new.id in ninox_contacts(world)
    # task events re-read the task (GHL sends TaskCreate / TaskComplete / TaskDelete)
    task = ghl.tasks.create(cid, title="Follow up", due_date="2026-12-01T10:00:00Z")
    report = engine.handle_ghl_event(parse_event(world.ghl.events[-1]))
    assert report.counts["task"] == {"create_ninox": 1}
    ghl.tasks.complete(cid, task.id)
    report = engine.handle_ghl_event(parse_event(world.ghl.events[-1]))
    assert report.counts["task"] == {"update_ninox": 1}
    done = {r["fields"]["Title"]: r["fields"]["Completed"] for r in world.ninox_records("Tasks")}
    assert done["Follow up"] is True
    assert engine.handle_ghl_event(parse_event({"type": "SomethingElse"})).writes == 0


def test_deletes_are_soft_by_default_and_hard_on_request(world: FakeWorld) -> None:
    ids = world.seed_ghl(3, tasks=0, notes=0, appointments=0)
    store = SQLiteStateStore()
    engine = engine_for(world, store)
    engine.sync()
    world.ghl.remove_contact(ids[0])
    report = engine.handle_ghl_event(parse_event(world.ghl.events[-1]))
    assert report.counts["contact"] == {"soft_delete": 1}
    assert ids[0] in ninox_contacts(world)  # flagged through the link, not removed
    link = store.link_by_ghl("contact", ids[0])
    assert link is not None
    assert link.state == "tombstone_ghl"
    # a Ninox deletion found by the id scan: GHL gets the deleted tag (soft)
    record = ninox_contacts(world)[ids[1]]
    world.ninox.delete_record(
        world.team_id, world.database_id, world.table_ids["Contacts"], record["id"]
    )
    engine.sync(scan_deletes=True)
    assert "deleted in ninox" in world.ghl.contacts[ids[1]]["tags"]

    hard = engine_for(world, SQLiteStateStore(), deletes="hard")
    hard.sync()
    world.ghl.remove_contact(ids[2])
    hard.handle_ghl_event(parse_event(world.ghl.events[-1]))
    assert ids[2] not in ninox_contacts(world)


def test_mass_deletion_is_guarded(world: FakeWorld) -> None:
    world.seed_ghl(20, tasks=0, notes=0, appointments=0)
    store = SQLiteStateStore()
    engine = engine_for(world, store, deletes="hard")
    engine.sync()
    for record in world.ninox_records("Contacts"):
        world.ninox.delete_record(
            world.team_id, world.database_id, world.table_ids["Contacts"], record["id"]
        )
    report = engine.sync(scan_deletes=True)
    assert len(world.ghl.contacts) == 20  # nothing deleted in GHL
    assert not report.ok
    assert any(r.kind == "mass_delete" for r in store.open_reviews())


def test_one_bad_record_is_parked_and_the_run_goes_on(world: FakeWorld) -> None:
    world.seed_ghl(5, tasks=1, notes=0, appointments=0)
    engine = engine_for(world)
    engine.sync()
    world.ninox.validate_values = False
    owner = world.ninox_records("Contacts")[0]["id"]
    fields = {"Title": "bad", "Due Date": "the day after tomorrow", "Contact": owner}
    bad = world.ninox.add_record(world.team_id, world.database_id, world.table_ids["Tasks"], fields)
    report = engine.sync()
    assert [(e.entity, e.item) for e in report.errors] == [("task", f"ninox:{bad['id']}")]
    assert "Due Date" in report.errors[0].message or "due" in report.errors[0].message.lower()
    assert len(ninox_contacts(world)) == 5
    assert len(world.ninox_records("Tasks")) == 6  # the 5 GHL tasks arrived; the bad one stays


async def test_async_engine_same_flow() -> None:
    world = FakeWorld()
    ids = world.seed_ghl(10)
    engine = AsyncSyncEngine(
        world.async_ghl_client(rate_limiting=False), world.async_ninox_db(), SQLiteStateStore()
    )
    first = await engine.sync()
    assert first.counts["contact"] == {"create_ninox": 10}
    world.ghl.edit_contact(ids[0], email="async@example.com")
    await engine.sync()
    assert ninox_contacts(world)[ids[0]]["fields"]["Email"] == "async@example.com"
    await engine.sync()
    assert (await engine.sync()).writes == 0
    counts = Counter(r["fields"]["GHL Id"] for r in world.ninox_records("Tasks"))
    assert set(counts.values()) == {1}
