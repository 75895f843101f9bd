"""Upsert helpers against FakeGHL + FakeNinox: batching, idempotence, faults, bad input."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bridge.testing import FakeWorld
from bridge.upsert import AsyncUpserter, ReadOnlyTokenError, Upserter, ghl_arguments
from ghlsdk.models import CustomFieldInput

TABLES = {"contact": "Contacts", "task": "Tasks", "note": "Notes", "appointment": "Appointments"}


@pytest.fixture
def world() -> Iterator[FakeWorld]:
    w = FakeWorld()
    yield w
    w.close()


def _ninox_calls(world: FakeWorld, method: str) -> int:
    return sum(n for key, n in world.ninox.calls.items() if key.startswith(method + " "))


def _assert_one_record_per_ghl_id(world: FakeWorld, expected: dict[str, int]) -> None:
    for entity, table in TABLES.items():
        ids = Counter(r["fields"].get("GHL Id") for r in world.ninox_records(table))
        assert all(n == 1 for n in ids.values()), f"duplicates in {table}: {ids.most_common(3)}"
        assert len(ids) == expected[entity], table


def test_500_contacts_with_children_batched_and_idempotent(world: FakeWorld) -> None:
    contact_ids = world.seed_ghl(500)
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db(), chunk_size=100)

    reports = up.import_ghl()
    assert {e: r.counts for e, r in reports.items()} == {
        e: {"created": 500, "updated": 0, "unchanged": 0, "failed": 0} for e in TABLES
    }
    _assert_one_record_per_ghl_id(world, dict.fromkeys(TABLES, 500))
    # writes are batched: one POST per chunk of 100, never one per record
    assert _ninox_calls(world, "POST") == 4 * math.ceil(500 / 100)
    # reads are table scans (4 tables + parent lookups for 3 child tables), not per record
    assert _ninox_calls(world, "GET") <= 2 * (4 + 3) + 1
    # children point at their contact's Ninox record
    contact_rec = {r["fields"]["GHL Id"]: r["id"] for r in world.ninox_records("Contacts")}
    ghl_tasks = world.ghl.tasks
    for record in world.ninox_records("Tasks"):
        owner = ghl_tasks[record["fields"]["GHL Id"]]["contactId"]
        assert record["fields"]["Contact"] == contact_rec[owner]
    assert set(contact_rec) == set(contact_ids)

    world.ninox.reset_counters()
    again = up.import_ghl()
    assert all(r.counts["unchanged"] == 500 and r.ok for r in again.values())
    assert _ninox_calls(world, "POST") == 0  # the second run writes nothing


def test_changed_fields_only_are_written(world: FakeWorld) -> None:
    [cid] = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db())
    up.import_ghl()
    world.ghl.edit_contact(cid, email="NEW@Example.com ")
    world.ninox.reset_counters()
    report = up.ghl_to_ninox("contact", [world.ghl.contacts[cid]])
    assert report.updated == (cid,)
    [post] = [r for r in world.ninox.requests if r.method == "POST"]
    assert post.json == [{"id": 1, "fields": {"Email": "new@example.com"}}]


def test_bad_items_are_reported_and_the_rest_goes_through(world: FakeWorld) -> None:
    ids = world.seed_ghl(3, tasks=0, notes=0, appointments=0)
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db())
    items: list[Any] = [dict(world.ghl.contacts[i]) for i in ids]
    items.append({"firstName": "No", "lastName": "Id"})  # missing its key
    report = up.ghl_to_ninox("contact", items)
    assert sorted(report.created) == sorted(ids)
    [failure] = report.failed
    assert failure.item == "#3"
    assert "id" in failure.reason
    tasks = [
        {"id": "t-ok", "title": "fine", "contactId": ids[0], "dueDate": "2026-02-01T10:00:00Z"},
        {"id": "t-bad", "title": "bad date", "contactId": ids[1], "dueDate": "not a date"},
        {"id": "t-orphan", "title": "orphan", "contactId": "unknown-contact"},
    ]
    report = up.ghl_to_ninox("task", tasks)
    assert report.created == ("t-ok",)
    assert {f.item for f in report.failed} == {"t-bad", "t-orphan"}


def test_a_server_rejected_item_is_isolated_from_its_batch(world: FakeWorld) -> None:
    ids = world.seed_ghl(6, tasks=0, notes=0, appointments=0)
    # a custom mapping writes a field the Ninox table does not have, for one contact only
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db())
    items = [dict(world.ghl.contacts[i]) for i in ids]
    world.ninox.fail_next(500, method="POST", message="Field not found: Nickname")
    report = up.ghl_to_ninox("contact", items)
    # the first chunk was rejected whole; bisecting re-sent the halves and all got in
    assert sorted(report.created) == sorted(ids)
    assert report.ok


class FaultAt(httpx.BaseTransport):
    """Wraps a fake: the ``at``-th request (0-based) gets ``fault`` instead of a clean answer."""

    def __init__(self, inner: httpx.BaseTransport, at: int, fault: str) -> None:
        self.inner, self.at, self.fault, self.seen = inner, at, fault, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        n, self.seen = self.seen, self.seen + 1
        if n != self.at:
            return self.inner.handle_request(request)
        if self.fault == "timeout after write":
            self.inner.handle_request(request)
            raise httpx.ReadTimeout("timed out after the write", request=request)
        if self.fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        status = {"500": 500, "429": 429}[self.fault]
        return httpx.Response(status, json={"message": f"injected {status}"})


@pytest.mark.parametrize("fault", ["timeout after write", "timeout", "500", "429"])
def test_a_fault_at_every_ninox_call_loses_and_duplicates_nothing(fault: str) -> None:
    probe = FakeWorld()
    probe.seed_ghl(8, tasks=1, notes=1, appointments=1)
    Upserter(probe.ghl_client(rate_limiting=False), probe.ninox_db(), chunk_size=5).import_ghl()
    calls_in_a_run = sum(probe.ninox.calls.values())
    for at in range(calls_in_a_run):
        world = FakeWorld()
        world.seed_ghl(8, tasks=1, notes=1, appointments=1)
        from ninoxsdk import NinoxClient

        faulty = NinoxClient(
            world.ninox_api_key,
            min_interval=0,
            max_retries=1,
            http_client=httpx.Client(transport=FaultAt(world.ninox, at, fault)),
        )
        ghl = world.ghl_client(rate_limiting=False)
        up = Upserter(ghl, faulty.database(world.team_id, world.database_id), chunk_size=5)
        first = up.import_ghl()
        done = {e: set(r.created) | set(r.updated) | set(r.unchanged) for e, r in first.items()}
        failed = {e: {f.item for f in r.failed} for e, r in first.items()}
        for entity in TABLES:
            # every item is accounted for: written, or reported with a reason
            assert len(done[entity]) + len(failed[entity]) == 8, (at, entity, first[entity])
        # a clean re-run converges without duplicates
        second = Upserter(ghl, world.ninox_db(), chunk_size=5).import_ghl()
        assert all(r.ok for r in second.values()), (at, second)
        _assert_one_record_per_ghl_id(world, dict.fromkeys(TABLES, 8))
        world.close()
    probe.close()


def test_ninox_to_ghl_updates_creates_and_writes_ids_back(world: FakeWorld) -> None:
    ids = world.seed_ghl(3, tasks=0, notes=0, appointments=0)
    db = world.ninox_db()
    up = Upserter(world.ghl_client(rate_limiting=False), db)
    up.import_ghl()
    contacts = db.table("Contacts", typed=False)
    first = next(r for r in contacts.iter() if r.fields["GHL Id"] == ids[0])
    contacts.update(first.id, {"Phone": "+15550009999", "First Name": "Augusta"})
    new = contacts.save(
        [{"First Name": "Hedy", "Last Name": "Lamarr", "Email": "hedy@example.com"}]
    )[0]

    report = up.ninox_to_ghl()
    assert report.updated == (str(first.id),)
    assert report.created == (str(new.id),)
    assert sorted(report.unchanged) == sorted(
        str(r.id) for r in contacts.iter() if r.fields["GHL Id"] in ids[1:]
    )
    assert world.ghl.contacts[ids[0]]["phone"] == "+15550009999"
    assert world.ghl.contacts[ids[0]]["firstName"] == "Augusta"
    new_ghl_id = contacts.get(new.id).fields["GHL Id"]
    assert world.ghl.contacts[new_ghl_id]["email"] == "hedy@example.com"

    world.ghl.reset_counters()
    again = up.ninox_to_ghl()
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 4, "failed": 0}
    writes = [r for r in world.ghl.requests if r.method != "GET"]
    assert writes == []


def test_ninox_to_ghl_refuses_a_read_only_token_before_any_request(world: FakeWorld) -> None:
    ghl = world.ghl_client(rate_limiting=False, scopes=["contacts.readonly"])
    up = Upserter(ghl, world.ninox_db())
    with pytest.raises(ReadOnlyTokenError, match=r"contacts\.write"):
        up.ninox_to_ghl()
    assert world.ghl.requests == []
    assert world.ninox.requests == []


def test_ghl_arguments() -> None:
    kwargs = ghl_arguments({"firstName": "A", "customFields": [{"id": "f1", "field_value": 3}]})
    assert kwargs == {
        "first_name": "A",
        "custom_fields": [CustomFieldInput(id="f1", field_value=3)],
    }


async def test_async_upserter_same_behaviour() -> None:
    world = FakeWorld()
    world.seed_ghl(20)
    up = AsyncUpserter(
        world.async_ghl_client(rate_limiting=False), world.async_ninox_db(), chunk_size=10
    )
    reports = await up.import_ghl()
    assert all(r.counts["created"] == 20 for r in reports.values())
    again = await up.import_ghl()
    assert all(r.counts["unchanged"] == 20 for r in again.values())
    report = await up.ninox_to_ghl()
    assert report.counts["unchanged"] == 20
    _assert_one_record_per_ghl_id(world, dict.fromkeys(TABLES, 20))


def test_a_create_that_timed_out_after_writing_is_adopted_not_resent(world: FakeWorld) -> None:
    ids = world.seed_ghl(4, tasks=0, notes=0, appointments=0)
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db())
    world.ninox.fail_next(exception=httpx.ReadTimeout, method="POST", after_write=True)
    report = up.ghl_to_ninox("contact", [world.ghl.contacts[i] for i in ids])
    assert sorted(report.created) == sorted(ids)
    assert report.ok
    assert _ninox_calls(world, "POST") == 1  # looked up again, never resent
    assert len(world.ninox_records("Contacts")) == 4


def _ninox_to_ghl_world() -> tuple[FakeWorld, Upserter]:
    world = FakeWorld()
    ids = world.seed_ghl(4, tasks=0, notes=0, appointments=0)
    db = world.ninox_db()
    Upserter(world.ghl_client(rate_limiting=False), db).import_ghl()
    contacts = db.table("Contacts", typed=False)
    for record in contacts.iter():
        if record.fields["GHL Id"] in ids[:2]:
            contacts.update(record.id, {"Last Name": "Changed"})
    contacts.save([{"First Name": "New", "Email": f"new{i}@example.com"} for i in range(2)])
    return world, Upserter(world.ghl_client(rate_limiting=False, max_retries=0), db)


def _nth_request(k: int) -> Callable[[Any], bool]:
    """A fault predicate that is true for the ``k``-th request only (0-based)."""
    seen = iter(range(10_000))
    return lambda _req: next(seen) == k


@pytest.mark.parametrize("fault", ["timeout after write", "500", "429"])
def test_a_fault_at_every_ghl_call_of_ninox_to_ghl(fault: str) -> None:
    probe, probe_up = _ninox_to_ghl_world()
    probe.ghl.reset_counters()
    probe_up.ninox_to_ghl()
    calls_in_a_run = len(probe.ghl.requests)
    probe.close()
    for at in range(calls_in_a_run):
        world, up = _ninox_to_ghl_world()
        world.ghl.inject(
            _nth_request(at),
            status=None if fault == "timeout after write" else int(fault),
            exception=httpx.ReadTimeout if fault == "timeout after write" else None,
            after_write=fault == "timeout after write",
            times=1,
        )
        first = up.ninox_to_ghl()
        assert len(first.created + first.updated + first.unchanged) + len(first.failed) == 6
        again = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db()).ninox_to_ghl()
        assert again.ok, (at, fault, again)
        # no duplicate GHL contacts: the 4 originals plus the 2 new ones, each once
        emails = Counter(c["email"] for c in world.ghl.contacts.values())
        assert len(world.ghl.contacts) == 6, (at, fault, emails)
        world.close()
