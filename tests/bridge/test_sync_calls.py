"""What a pass costs in API calls (counted on the fakes, never timed)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from bridge.state import Op, SQLiteStateStore
from bridge.sync import SyncConfig, SyncEngine
from bridge.testing import FakeWorld
from ninoxsdk import NinoxClient

ONE_RECORD = re.compile(r"^/contacts/[^/]+(/(tasks|notes)/[^/]+)?$")


def passes(contacts: int, config: SyncConfig, count: int = 3) -> tuple[FakeWorld, list[list[str]]]:
    world = FakeWorld()
    world.seed_ghl(contacts, tasks=1, notes=1, appointments=1)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore(), config=config)
    calls: list[list[str]] = []
    for _ in range(count):
        world.ghl.reset_counters()
        engine.sync()
        calls.append([f"{r.method} {r.path}" for r in world.ghl.requests])
    return world, calls


def test_our_own_writes_coming_back_cost_no_read_of_the_other_side() -> None:
    _world, calls = passes(20, SyncConfig())
    for later in calls[1:]:
        reads = [c for c in later if c.startswith("GET ") and ONE_RECORD.match(c[4:])]
        assert reads == []  # no GET of one contact, task or note: digests recognise our writes


@pytest.mark.parametrize("contacts", [20, 120])
def test_three_passes_cost_about_one_call_per_contact_and_land_everything(contacts: int) -> None:
    world, calls = passes(contacts, SyncConfig())
    assert sum(len(c) for c in calls) <= 1.1 * contacts + 60
    notes = [c for c in calls[0] if c.endswith("/notes")]
    assert len(notes) == contacts  # the one per-contact read: the API has no bulk read
    for table in ("Contacts", "Tasks", "Notes", "Appointments"):
        assert len(world.ninox_records(table)) == contacts, table


@pytest.mark.parametrize("contacts", [20, 120])
def test_a_pass_with_nothing_changed_costs_the_same_few_calls_at_any_size(contacts: int) -> None:
    _world, calls = passes(contacts, SyncConfig())
    assert calls[1] == calls[2]
    assert len(calls[1]) <= 10
    assert not [c for c in calls[1] if c.endswith(("/notes", "/tasks", "/appointments"))]


def test_a_quiet_pass_costs_the_same_at_50_and_at_600_contacts() -> None:
    counts = []
    for size in (50, 600):  # 600: more than one page of the contact search
        world = FakeWorld()
        world.seed_ghl(size, tasks=1, notes=0, appointments=1, history=timedelta(days=30))
        engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore())
        engine.sync()
        engine.sync()
        world.ghl.reset_counters()
        assert engine.sync().writes == 0
        counts.append(len(world.ghl.requests))
    assert counts[0] == counts[1] <= 10


def test_reading_every_contacts_children_is_still_possible() -> None:
    _world, calls = passes(20, SyncConfig(children_of="every_contact_read"))
    assert len([c for c in calls[1] if c.endswith("/notes")]) == 20


def test_a_changed_contact_has_its_children_read() -> None:
    world = FakeWorld()
    (cid, _other) = world.seed_ghl(2, tasks=1, notes=0, appointments=0)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore())
    engine.sync()
    world.ghl.edit_contact(cid, firstName="Changed")
    world.ghl.add_task(cid, title="Seen with its contact", dueDate="2026-09-01T10:00:00Z")
    world.ghl.reset_counters()
    report = engine.sync()
    searches = [r.json for r in world.ghl.requests if r.path.endswith("/tasks/search")]
    assert [body["contactId"] for body in searches] == [[cid]]  # only the changed contact
    assert report.counts["task"]["create_ninox"] == 1


def test_tasks_are_read_fifty_contacts_a_request() -> None:
    world, calls = passes(120, SyncConfig(), count=1)
    searches = [c for c in calls[0] if c.endswith("/tasks/search")]
    per_contact = [c for c in calls[0] if c.startswith("GET ") and c.endswith("/tasks")]
    assert len(searches) == 3  # 120 contacts: 50 + 50 + 20
    assert per_contact == []
    assert len(world.ninox_records("Tasks")) == 120


def test_a_refused_task_search_falls_back_to_one_list_per_contact() -> None:
    world = FakeWorld()
    world.seed_ghl(5, tasks=1, notes=0, appointments=0)
    world.ghl.fail_next(403, method="POST", path="/locations/*/tasks/search", times=None)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore())
    report = engine.sync()
    assert report.ok
    lists = [r.path for r in world.ghl.requests if r.method == "GET" and r.path.endswith("/tasks")]
    assert len(lists) == 5
    assert len(world.ninox_records("Tasks")) == 5


def test_finished_ops_are_pruned_as_each_entity_is_done() -> None:
    # The outbox holds one entity's writes at most during a first sync (not the whole
    # pass's), and nothing finished after it; the history keeps what each write did. (Open
    # ops are never pruned: tests/bridge/test_state.py.)
    world = FakeWorld()
    world.seed_ghl(6, tasks=1, notes=1, appointments=1)
    store = SQLiteStateStore()
    held: list[int] = []
    add_op = store.add_op

    def counting(op: Op) -> bool:
        held.append(len(store._fetch("SELECT op_key FROM ops")))
        return add_op(op)

    store.add_op = counting  # type: ignore[method-assign]
    SyncEngine(world.ghl_client(), world.ninox_db(), store).sync()
    assert len(held) == 24  # 6 contacts, tasks, notes and appointments created in Ninox
    assert max(held) < 6  # never another entity's finished ops beside the one in progress
    assert store._fetch("SELECT op_key FROM ops") == []
    assert len(store.history(run_id=store.runs()[0].run_id)) == 24


@pytest.mark.parametrize(
    ("client_chunk", "config_chunk", "expected"), [(5, None, [0, 5, 10]), (5, 4, [0, 4, 8])]
)
def test_each_ninox_batch_is_settled_before_the_next_is_sent(
    client_chunk: int, config_chunk: int | None, expected: list[int]
) -> None:
    # A batch's links and history are written as soon as its answer comes, in the Ninox
    # client's gap before the next request, not all after the last one: a first sync's
    # state work overlaps its Ninox writes, and a crash keeps every batch that landed.
    world = FakeWorld()
    world.seed_ghl(12, tasks=0, notes=0, appointments=0)
    store = SQLiteStateStore()
    linked: list[int] = []

    class Watching(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and request.url.path.endswith("/records"):
                linked.append(len(store.links("contact")))
            return world.ninox.handle_request(request)

    ninox = NinoxClient(
        world.ninox_api_key,
        min_interval=0,
        chunk_size=client_chunk,
        http_client=httpx.Client(transport=Watching()),
    )
    db = ninox.database(world.team_id, world.database_id)
    assert db.chunk_size == client_chunk
    config = SyncConfig(chunk_size=config_chunk)
    SyncEngine(world.ghl_client(), db, store, config=config).sync()
    assert linked == expected
    assert len(store.links("contact")) == 12
    ninox.close()
